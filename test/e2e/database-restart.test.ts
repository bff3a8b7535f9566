import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildDataset } from '../../src/api/dataset-input.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { submitJob } from '../../src/queue/submit-job.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import type { StoreNotification } from '../../src/storage/store.js';
import { startPostgresCluster, type PostgresCluster } from '../support/postgres-cluster.js';
import {
  fetchHistory,
  startRunningService,
  type RunningService,
} from '../support/running-service.js';
import { postgresOptions } from '../support/store-backends.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';
import { waitUntil } from '../support/server-api.js';

const binaries = inject('postgresBinaries');
const LIMITS = loadConfig({}).limits;
const data = syntheticDataset(64, 4, 1, 61);
const JOB = {
  network: {
    inputSize: 4,
    layers: [
      { units: 16, activation: 'tanh' },
      { units: 1, activation: 'linear' },
    ],
    loss: 'meanSquaredError',
  },
  dataset: data,
  training: { epochs: 8000, batchSize: 16, optimizer: { type: 'adam' }, seed: 9 },
};

// This file stops and restarts a PostgreSQL server, so it runs its own rather than the shared one.
describe.skipIf(!binaries)('a PostgreSQL server that goes away and comes back', () => {
  let cluster: PostgresCluster;
  let service: RunningService;
  beforeAll(async () => {
    cluster = await startPostgresCluster(binaries!);
  });
  afterAll(async () => {
    await service?.stop();
    await cluster?.destroy();
  });

  it('answers 503 and fails /readyz while gone; recovers by itself, losing no epoch', async () => {
    service = await startRunningService({
      DATABASE_URL: cluster.url,
      WORKERS: '1',
      CHECKPOINT_EVERY_EPOCHS: '500',
      PG_CONNECT_TIMEOUT_SECONDS: '1',
    });
    expect(await service.request('GET', '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', database: 'postgres', workers: 1 },
    });
    const heard: StoreNotification[] = [];
    service.service.store.notifications.subscribe((notification) => heard.push(notification));

    const { body: job } = await service.request('POST', '/v1/jobs', JOB);
    await service.waitForJob(job.id, (current) => current.progress.epoch > 100);

    await cluster.stop();
    const down = await service.request('GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      detail: 'the database does not answer',
    });
    const read = await fetch(`${service.url}/v1/jobs/${job.id}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('5');
    expect(await read.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    await cluster.start();
    await waitUntil(
      async () => (await service.request('GET', '/readyz')).status === 200,
      '/readyz is 200 again',
    );

    // The LISTEN connection is back too: another replica's change reaches this process.
    const listener = (service.service.store as PostgresStore).listener;
    await waitUntil(() => listener.isListening, 'the listener reconnected');
    expect(heard.some((notification) => notification.type === 'resync')).toBe(true);
    const other = await PostgresStore.open(postgresOptions(cluster.url), createLogger('silent'));
    const small = await submitJob(
      { store: other, limits: LIMITS, queueLimit: 100, tenantJobLimit: 100 },
      {
        tenant: 'default',
        network: JOB.network as never,
        dataset: buildDataset(data, 'default', LIMITS),
        training: { ...JOB.training, epochs: 10 } as never,
      },
    );
    await waitUntil(
      () => heard.some((notification) => notification.origin === other.notifications.origin),
      'a notification from the other store arrives',
    );
    await other.close();
    expect((await service.waitForJob(small.id)).status).toBe('succeeded');

    const finished = await service.waitForJob(job.id, undefined, 120_000);
    expect(finished).toMatchObject({ status: 'succeeded', progress: { epoch: 8000 }, attempts: 1 });
    const epochs = (await fetchHistory(service, job.id)).map((item) => item.epoch);
    expect(epochs).toEqual(Array.from({ length: 8000 }, (_, index) => index + 1));
    const model = await service.request('GET', `/v1/jobs/${job.id}/model`);
    expect(model.body.layers.map(({ W, b }: any) => ({ W, b }))).toEqual(
      trainDirectly(finished.network, data, finished.training),
    );
  }, 180_000);
});
