import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { RemoteJobEvents } from '../../src/queue/remote-job-events.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { HistoryItem, JobRecord } from '../../src/storage/records.js';
import { createTestDatabase } from '../support/postgres-cluster.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { SseClient } from '../support/sse-client.js';
import { postgresOptions } from '../support/store-backends.js';
import { syntheticDataset } from '../support/training-fixtures.js';
import { api, waitUntil } from '../support/server-api.js';

const adminUrl = inject('postgresAdminUrl');
const data = syntheticDataset(64, 4, 1, 51);
const job = (epochs: number) => ({
  network: {
    inputSize: 4,
    layers: [
      { units: 16, activation: 'tanh' },
      { units: 1, activation: 'linear' },
    ],
    loss: 'meanSquaredError',
  },
  dataset: data,
  training: { epochs, batchSize: 16, optimizer: { type: 'adam' }, seed: 3 },
});

describe.skipIf(!adminUrl)('across replicas on one PostgreSQL database', () => {
  let database: { url: string; drop(): Promise<void> };
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(adminUrl!, 'chainrule_across');
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('streams each epoch replica B trains once, in order, to a client of replica A', async () => {
    const env = { DATABASE_URL: database.url, WORKERS: '1' };
    const runner = await spawnServer(env);
    servers.push(runner);
    const epochs = 4000;
    const { id } = await api(runner, 'POST', '/v1/jobs', job(epochs));
    await waitUntil(
      async () => (await api(runner, 'GET', `/v1/jobs/${id}`)).progress.epoch > 20,
      'the job runs on B',
    );

    // A starts once B holds the job's lease, so A only watches it.
    const watcher = await spawnServer({ ...env, WORKERS: '1' });
    servers.push(watcher);
    const client = await SseClient.open(`${watcher.url}/v1/jobs/${id}/events`);
    expect(client.statusCode).toBe(200);
    await client.ended;

    const seen = client.events
      .filter((event) => event.event === 'epoch')
      .map((event) => Number(event.id));
    expect(seen).toEqual(Array.from({ length: epochs }, (_, index) => index + 1));
    const end = client.events
      .filter((event) => event.event === 'end')
      .map((event) => JSON.parse(event.data));
    expect(end).toEqual([{ status: 'succeeded', epoch: epochs }]);
    expect((await api(watcher, 'GET', `/v1/jobs/${id}`)).attempts).toBe(1);
  }, 120_000);

  it('a cancel sent to replica A stops the job on replica B, via a notification', async () => {
    const env = { DATABASE_URL: database.url, WORKERS: '1' };
    const runner = await spawnServer(env);
    servers.push(runner);
    // Far more epochs than the test will wait for: only the cancel can end this job.
    const { id } = await api(runner, 'POST', '/v1/jobs', job(1_000_000));
    await waitUntil(
      async () => (await api(runner, 'GET', `/v1/jobs/${id}`)).progress.epoch > 50,
      'the job runs on B',
    );

    // A starts after the job runs on B, so A never trains it (B's lease is live).
    const other = await spawnServer(env);
    servers.push(other);
    const sentAt = Date.now();
    const answer = await api(other, 'POST', `/v1/jobs/${id}/cancel`);
    expect(answer).toMatchObject({ status: 'running', cancelRequested: true });

    let finished: any;
    await waitUntil(async () => {
      finished = await api(other, 'GET', `/v1/jobs/${id}`);
      return finished.status !== 'running';
    }, 'the job ended');
    const latencyMs = Date.now() - sentAt;
    expect(finished).toMatchObject({ status: 'cancelled', stopReason: 'cancelled', attempts: 1 });
    expect(finished.progress.epoch).toBeLessThan(1_000_000);
    expect((await api(other, 'GET', `/v1/jobs/${id}/model`)).epoch).toBe(finished.progress.epoch);
    // B heard of the cancel through LISTEN/NOTIFY, not only through its next heartbeat.
    expect(
      runner.logs.some(
        (line) =>
          line.msg === 'cancel requested' && line.via === 'notification' && line.jobId === id,
      ),
    ).toBe(true);
    console.info(
      `cancel through another replica: ended ${latencyMs} ms after the request (figure only)`,
    );
  }, 120_000);

  it("replica A's JobEvents get each epoch replica B trains once, in order", async () => {
    // Replica A here is this process: its store, its JobEvents, and the relay the service runs.
    const logger = createLogger('silent');
    const store = await PostgresStore.open(postgresOptions(database.url), logger);
    const events = new JobEvents();
    const relay = new RemoteJobEvents(store, events, logger);
    relay.start();
    const epochs: number[] = [];
    const batches: HistoryItem[][] = [];
    const statuses: string[] = [];
    let jobId = '';
    events.on('epochs', (id, items) => {
      if (id !== jobId) return;
      batches.push([...items]);
      epochs.push(...items.map((item) => item.epoch));
    });
    events.on('status', (record: JobRecord) => {
      if (record.id === jobId) statuses.push(record.status);
    });

    const trainer = await spawnServer({ DATABASE_URL: database.url, WORKERS: '1' });
    servers.push(trainer);
    jobId = (await api(trainer, 'POST', '/v1/jobs', job(3000))).id;
    await waitUntil(() => statuses.includes('succeeded'), 'A hears that the job succeeded');
    await relay.stop();
    await store.close();

    expect(epochs).toEqual(Array.from({ length: 3000 }, (_, index) => index + 1));
    expect(batches.length).toBeGreaterThan(1);
    expect(statuses).toEqual(['running', 'succeeded']);
    const stored = await api(trainer, 'GET', `/v1/jobs/${jobId}/history?after=0&limit=5`);
    expect(batches[0].slice(0, 5)).toEqual(stored.items);
  }, 120_000);
});
