import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Dispatcher } from '../../src/queue/dispatcher.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { createWorkerPool } from '../../src/queue/worker-pool.js';
import { submitJob } from '../../src/queue/submit-job.js';
import { loadConfig } from '../../src/config.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { buildDataset } from '../../src/api/dataset-input.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });
const network = { inputSize: 4, layers: [{ units: 8, activation: 'tanh' as const }, { units: 1, activation: 'linear' as const }],
  loss: 'meanSquaredError' as const };
const data = syntheticDataset(64, 4, 1, 21);
const training = { epochs: 2000, batchSize: 16, optimizer: { type: 'adam' as const }, seed: 7, shuffle: true,
  validationSplit: 0, l2: 0 };

let directory: string;
let first: SqliteStore;
let second: SqliteStore;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chainrule-lease-'));
  // Two connections to one file: what two processes sharing the database see.
  first = SqliteStore.open(join(directory, 'chainrule.db'));
  second = SqliteStore.open(join(directory, 'chainrule.db'));
});
afterEach(async () => {
  await first.close();
  await second.close();
  rmSync(directory, { recursive: true, force: true });
});

async function enqueue(store: SqliteStore): Promise<string> {
  const job = await submitJob({ store, limits: config.limits, queueLimit: 100, tenantJobLimit: 100 }, {
    tenant: 'default', network, training,
    dataset: buildDataset({ inputs: data.inputs, targets: data.targets }, 'default', config.limits),
  });
  return job.id;
}

const claimOptions = (owner: string, now: number) =>
  ({ owner, now, leaseMs: 1000, maxAttempts: 3, startedAt: new Date(now).toISOString() });
const progress = (epoch: number) => ({
  items: [{ epoch, cost: 1, gradientNorms: [1, 1], elapsedMs: 1 }], epoch, cost: 1, validationCost: null,
  bestEpoch: epoch, checkpoint: null,
});

describe('job leases', () => {
  it('leave a job with a live lease alone and make an expired one claimable again', async () => {
    const id = await enqueue(first);
    const now = Date.now();
    const claimed = await first.jobs.claimNext(claimOptions('process-a', now));
    expect(claimed?.job).toMatchObject({ id, attempts: 1, leaseOwner: 'process-a' });

    expect(await second.jobs.claimNext(claimOptions('process-b', now + 500))).toBeNull();

    const taken = await second.jobs.claimNext(claimOptions('process-b', now + 1001));
    expect(taken?.job).toMatchObject({ id, attempts: 2, failures: 1, leaseOwner: 'process-b' });
  });

  it('fence out the process that lost the lease: its progress, end and renewals change nothing', async () => {
    const id = await enqueue(first);
    const now = Date.now();
    await first.jobs.claimNext(claimOptions('process-a', now));
    expect(await first.jobs.recordProgress(id, 1, progress(1))).toBe(true);
    await second.jobs.claimNext(claimOptions('process-b', now + 2000));

    expect(await first.jobs.recordProgress(id, 1, progress(2))).toBe(false);
    expect(await first.jobs.finish(id, 1, { status: 'succeeded', stopReason: 'epochs', error: null, model: null,
      lastEpoch: 2, bestEpoch: 2, finishedAt: new Date().toISOString() })).toBe(false);
    expect(await first.jobs.renewLeases('process-a', [{ id, attempt: 1 }], now + 5000))
      .toEqual({ held: [], lost: [id] });
    expect(await second.jobs.recordProgress(id, 2, progress(2))).toBe(true);

    expect(await second.jobs.history(id, 0, 10)).toHaveLength(2);
    expect(await second.jobs.getById(id)).toMatchObject({ status: 'running', attempts: 2, epoch: 2 });
  });

  it('fail a job with WORKER_CRASHED once its runners stopped responding maxAttempts times', async () => {
    const id = await enqueue(first);
    const now = Date.now();
    await first.jobs.claimNext({ ...claimOptions('a', now), maxAttempts: 2 });
    await first.jobs.claimNext({ ...claimOptions('b', now + 1001), maxAttempts: 2 });
    expect(await first.jobs.claimNext({ ...claimOptions('c', now + 2002), maxAttempts: 2 })).toBeNull();
    expect(await first.jobs.getById(id)).toMatchObject({ status: 'failed', error: { code: 'WORKER_CRASHED' } });
  });
});

describe('a dispatcher whose lease expired', () => {
  it('is taken over by another dispatcher on the same database and can no longer write the job', async () => {
    const logger = createLogger('silent');
    const id = await enqueue(first);
    const common = { logger, events: new JobEvents(), maxAttempts: 3, checkpointEveryEpochs: 200,
      checkpointEveryMs: 60_000, pollMs: 20, flushMs: 10 };
    // The stale dispatcher's clock runs an hour behind: every lease it takes has already expired
    // for everyone else, as when a process stalls past its lease.
    const stalePool = createWorkerPool(1);
    const stale = new Dispatcher({ ...common, store: first, pool: stalePool, leaseMs: 5000,
      owner: { id: 'stale', host: 'elsewhere', pid: 1 }, now: () => Date.now() - 3_600_000 });
    stale.start();
    await waitFor(async () => (await first.jobs.getById(id))?.leaseOwner === 'stale');

    const freshPool = createWorkerPool(1);
    const fresh = new Dispatcher({ ...common, store: second, pool: freshPool, leaseMs: 5000,
      owner: { id: 'fresh', host: 'elsewhere', pid: 2 } });
    fresh.start();
    await waitFor(async () => (await second.jobs.getById(id))?.status === 'succeeded', 60_000);

    const job = await second.jobs.getById(id);
    expect(job).toMatchObject({ attempts: 2, leaseOwner: null, status: 'succeeded' });
    const history = await second.jobs.history(id, 0, 5000);
    expect(history.map((item) => item.epoch)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    const model = await second.jobs.model(id);
    const reference = trainDirectly(network, data, job!.training);
    expect(model!.layers.map(({ W }) => Array.from(W.data))).toEqual(reference.map(({ W }) => W.flat()));

    await stale.shutdown(1000);
    await fresh.shutdown(1000);
    await stalePool.destroy();
    await freshPool.destroy();
    // The stale dispatcher wrote nothing after losing the job: still succeeded, same model.
    expect(await second.jobs.getById(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  }, 90_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
