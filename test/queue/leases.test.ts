import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { Dispatcher } from '../../src/queue/dispatcher.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { createWorkerPool } from '../../src/queue/worker-pool.js';
import { submitJob } from '../../src/queue/submit-job.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/storage/store.js';
import { buildDataset } from '../../src/api/dataset-input.js';
import { postgresBackend, sqliteBackend, type OpenedStore } from '../support/store-backends.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';

// The storage side of leases (expiry, takeover, fencing) is in test/storage/store.test.ts.

const config = loadConfig({ LOG_LEVEL: 'silent' });
const network = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' as const },
    { units: 1, activation: 'linear' as const },
  ],
  loss: 'meanSquaredError' as const,
};
const data = syntheticDataset(64, 4, 1, 21);
const training = {
  epochs: 2000,
  batchSize: 16,
  optimizer: { type: 'adam' as const },
  seed: 7,
  shuffle: true,
  validationSplit: 0,
  l2: 0,
};

const backends = [sqliteBackend, postgresBackend()];

async function enqueue(store: Store): Promise<string> {
  const job = await submitJob(
    { store, limits: config.limits, queueLimit: 100, tenantJobLimit: 100 },
    {
      tenant: 'default',
      network,
      training,
      dataset: buildDataset(
        { inputs: data.inputs, targets: data.targets },
        'default',
        config.limits,
      ),
    },
  );
  return job.id;
}

describe.each(backends)('on $name, a dispatcher whose lease expired', (backend) => {
  let opened: OpenedStore;
  // Two connections to one database: what two processes sharing it see.
  let first: Store;
  let second: Store;
  beforeEach(async (context) => {
    if (!backend.available) {
      context.skip('PostgreSQL is not installed here: the PostgreSQL suite is skipped');
      return;
    }
    opened = await backend.open();
    first = opened.store;
    second = await opened.openAnother();
  });
  afterEach(async () => {
    await opened?.cleanup();
  });

  it('is taken over by a peer on the same database and can no longer write the job', async () => {
    const logger = createLogger('silent');
    const id = await enqueue(first);
    const common = {
      logger,
      events: new JobEvents(),
      maxAttempts: 3,
      checkpointEveryEpochs: 200,
      checkpointEveryMs: 60_000,
      pollMs: 20,
      flushMs: 10,
    };
    // The stale dispatcher's clock runs an hour behind: every lease it takes has already expired
    // for everyone else, as when a process stalls past its lease.
    const stalePool = createWorkerPool(1);
    const stale = new Dispatcher({
      ...common,
      store: first,
      pool: stalePool,
      leaseMs: 5000,
      owner: { id: 'stale', host: 'elsewhere', pid: 1 },
      now: () => Date.now() - 3_600_000,
    });
    stale.start();
    await waitFor(async () => (await first.jobs.getById(id))?.leaseOwner === 'stale');

    const freshPool = createWorkerPool(1);
    const fresh = new Dispatcher({
      ...common,
      store: second,
      pool: freshPool,
      leaseMs: 5000,
      owner: { id: 'fresh', host: 'elsewhere', pid: 2 },
    });
    fresh.start();
    await waitFor(async () => (await second.jobs.getById(id))?.status === 'succeeded', 60_000);

    const job = await second.jobs.getById(id);
    expect(job).toMatchObject({ attempts: 2, leaseOwner: null, status: 'succeeded' });
    const history = await second.jobs.history(id, 0, 5000);
    expect(history.map((item) => item.epoch)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    const model = await second.jobs.model(id);
    const reference = trainDirectly(network, data, job!.training);
    expect(model!.layers.map(({ W }) => Array.from(W.data))).toEqual(
      reference.map(({ W }) => W.flat()),
    );

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
