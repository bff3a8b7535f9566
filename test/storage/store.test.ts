import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDataset } from '../../src/api/dataset-input.js';
import { loadConfig } from '../../src/config.js';
import { DatasetInUseError, QueueFullError } from '../../src/errors.js';
import { submitJob } from '../../src/queue/submit-job.js';
import { newId } from '../../src/storage/ids.js';
import type { HistoryItem, JobRecord } from '../../src/storage/records.js';
import {
  IdempotencyKeyUsedError,
  type IdempotentWrite,
  type Store,
  type StoreNotification,
} from '../../src/storage/store.js';
import { postgresBackend, sqliteBackend, type OpenedStore } from '../support/store-backends.js';

/**
 * The storage contract, run against every backend: what the queue and the API rely on, from
 * claim order to fencing. A backend passes only if it behaves exactly like the others.
 */
const backends = [sqliteBackend, postgresBackend()];
const config = loadConfig({ LOG_LEVEL: 'silent' });

const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
const NETWORK = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  loss: 'binaryCrossentropy' as const,
};
const TRAINING = {
  epochs: 100,
  optimizer: { type: 'sgd' as const, learningRate: 0.5 },
  shuffle: false,
  validationSplit: 0,
  l2: 0,
};

const claimAt = (owner: string, now: number, maxAttempts = 3) => ({
  owner,
  now,
  leaseMs: 1000,
  maxAttempts,
  startedAt: new Date(now).toISOString(),
});
const item = (epoch: number, cost = 1 / epoch): HistoryItem => ({
  epoch,
  cost,
  gradientNorms: [0.5, epoch / 3],
  elapsedMs: epoch * 0.25,
});
const progressThrough = (
  from: number,
  to: number,
  checkpoint: { epoch: number; state: Uint8Array } | null = null,
) => {
  const items = Array.from({ length: to - from + 1 }, (_, index) => item(from + index));
  return {
    items,
    epoch: to,
    cost: items[items.length - 1].cost,
    validationCost: null,
    bestEpoch: to,
    checkpoint,
  };
};
const ended = (status: 'succeeded' | 'failed' | 'cancelled', lastEpoch: number) => ({
  status,
  stopReason: status === 'succeeded' ? ('epochs' as const) : null,
  error: null,
  model: null,
  lastEpoch,
  bestEpoch: lastEpoch,
  finishedAt: new Date().toISOString(),
});

function xorDataset(tenant: string) {
  return buildDataset(XOR, tenant, config.limits);
}

async function enqueue(
  store: Store,
  tenant = 'default',
  options: {
    queueLimit?: number;
    idempotency?: IdempotentWrite<JobRecord>;
    datasetId?: string;
  } = {},
): Promise<JobRecord> {
  return submitJob(
    { store, limits: config.limits, queueLimit: options.queueLimit ?? 1000, tenantJobLimit: 1000 },
    {
      tenant,
      network: NETWORK,
      training: TRAINING,
      idempotency: options.idempotency,
      dataset: options.datasetId ? { id: options.datasetId } : xorDataset(tenant),
    },
  );
}

/** Notifications a store delivers to this process, collected until `stop()`. */
function collect(store: Store) {
  const seen: StoreNotification[] = [];
  const stop = store.notifications.subscribe((notification) => seen.push(notification));
  return {
    seen,
    stop,
    async until(check: (all: StoreNotification[]) => boolean): Promise<StoreNotification[]> {
      const deadline = Date.now() + 10_000;
      while (!check(seen)) {
        if (Date.now() > deadline)
          throw new Error(`notifications never matched; got ${JSON.stringify(seen)}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return seen;
    },
  };
}

describe.each(backends)('the $name store', (backend) => {
  let opened: OpenedStore;
  let store: Store;
  beforeEach(async (context) => {
    if (!backend.available) {
      context.skip('PostgreSQL is not installed here: the PostgreSQL suite is skipped');
      return;
    }
    opened = await backend.open();
    store = opened.store;
  });
  afterEach(async () => {
    await opened?.cleanup();
  });

  describe('datasets', () => {
    it('round-trips float64 values bit for bit and keeps tenants apart', async () => {
      const values = [
        [-0, 5e-324],
        [Number.MAX_VALUE, -1.7976931348623157e308],
        [0.1 + 0.2, Math.PI],
      ];
      const dataset = buildDataset(
        { inputs: values, targets: [[1], [2], [3]] },
        'alice',
        config.limits,
      );
      const created = await store.datasets.create(dataset);

      expect(await store.datasets.get('alice', dataset.id)).toEqual(created);
      expect(created.createdAt).toBe(dataset.createdAt);
      expect(await store.datasets.get('bob', dataset.id)).toBeNull();
      const stored = await store.datasets.values(dataset.id);
      expect(Buffer.from(stored!.inputs.buffer).equals(Buffer.from(dataset.inputs.buffer))).toBe(
        true,
      );
      expect(Object.is(stored!.inputs[0], -0)).toBe(true);
      expect(Array.from(stored!.targets)).toEqual([1, 2, 3]);
    });

    it('pages newest first with a cursor that continues where the last page ended', async () => {
      const ids: string[] = [];
      for (let index = 0; index < 5; index++)
        ids.push((await store.datasets.create(xorDataset('alice'))).id);
      await store.datasets.create(xorDataset('bob'));

      const first = await store.datasets.list('alice', { limit: 2 });
      const second = await store.datasets.list('alice', { limit: 2, beforeSeq: first.nextSeq! });
      const last = await store.datasets.list('alice', { limit: 2, beforeSeq: second.nextSeq! });
      expect([...first.items, ...second.items, ...last.items].map((dataset) => dataset.id)).toEqual(
        ids.reverse(),
      );
      expect(last.nextSeq).toBeNull();
    });

    it('will not delete a dataset a queued or running job uses until that job ends', async () => {
      const dataset = await store.datasets.create(xorDataset('default'));
      const job = await enqueue(store, 'default', { datasetId: dataset.id });
      await expect(store.datasets.delete('default', dataset.id)).rejects.toBeInstanceOf(
        DatasetInUseError,
      );

      await store.jobs.claimNext(claimAt('a', Date.now()));
      await expect(store.datasets.delete('default', dataset.id)).rejects.toBeInstanceOf(
        DatasetInUseError,
      );

      await store.jobs.finish(job.id, 1, ended('succeeded', 0));
      expect(await store.datasets.delete('other', dataset.id)).toBe(false);
      expect(await store.datasets.delete('default', dataset.id)).toBe(true);
      expect(await store.datasets.get('default', dataset.id)).toBeNull();
    });
  });

  describe('networks', () => {
    it('store a definition as written and page newest first', async () => {
      const records = [];
      for (let index = 0; index < 3; index++) {
        const record = {
          id: newId('net'),
          tenant: 'alice',
          definition: { ...NETWORK, initializer: 'heNormal' as const },
          parameterCount: 9,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
        };
        records.push(await store.networks.create(record));
      }
      expect(await store.networks.get('alice', records[0].id)).toEqual(records[0]);
      expect(await store.networks.get('bob', records[0].id)).toBeNull();
      const page = await store.networks.list('alice', { limit: 2 });
      expect(page.items.map((network) => network.id)).toEqual([records[2].id, records[1].id]);
      expect(
        (await store.networks.list('alice', { limit: 2, beforeSeq: page.nextSeq! })).items,
      ).toEqual([records[0]]);
    });
  });

  describe('idempotency keys', () => {
    const write = (tenant: string, key: string): IdempotentWrite<JobRecord> => ({
      tenant,
      scope: 'POST /v1/jobs',
      key,
      requestHash: `hash-${key}`,
      render: (job) => ({
        statusCode: 202,
        body: JSON.stringify({ id: job.id }),
        location: `/v1/jobs/${job.id}`,
      }),
    });

    it('record the first response and resource, refusing a second create of the key', async () => {
      const job = await enqueue(store, 'alice', { idempotency: write('alice', 'k1') });
      expect(await store.idempotency.find('alice', 'POST /v1/jobs', 'k1')).toEqual({
        requestHash: 'hash-k1',
        statusCode: 202,
        body: JSON.stringify({ id: job.id }),
        location: `/v1/jobs/${job.id}`,
      });

      const again = enqueue(store, 'alice', { idempotency: write('alice', 'k1') });
      await expect(again).rejects.toBeInstanceOf(IdempotencyKeyUsedError);
      expect(await store.jobs.countWaiting()).toBe(1);

      // The same key belongs to each tenant separately.
      await enqueue(store, 'bob', { idempotency: write('bob', 'k1') });
      expect(await store.jobs.countWaiting()).toBe(2);
    });

    it('are pruned once older than the given time', async () => {
      await enqueue(store, 'alice', { idempotency: write('alice', 'old') });
      expect(await store.idempotency.prune(new Date(Date.now() - 60_000).toISOString())).toBe(0);
      expect(await store.idempotency.prune(new Date(Date.now() + 60_000).toISOString())).toBe(1);
      expect(await store.idempotency.find('alice', 'POST /v1/jobs', 'old')).toBeNull();
    });
  });

  describe('job creation', () => {
    it('refuses a job past the queue limit with QUEUE_FULL, storing nothing of it', async () => {
      await enqueue(store, 'default', { queueLimit: 2 });
      await enqueue(store, 'default', { queueLimit: 2 });
      await expect(enqueue(store, 'default', { queueLimit: 2 })).rejects.toBeInstanceOf(
        QueueFullError,
      );
      expect(await store.jobs.countWaiting()).toBe(2);
      expect((await store.datasets.list('default', { limit: 10 })).items).toHaveLength(2);
    });

    it("lists jobs newest first, by status, with a cursor, and only the tenant's own", async () => {
      const jobs = [];
      for (let index = 0; index < 4; index++) jobs.push(await enqueue(store, 'alice'));
      await enqueue(store, 'bob');
      await store.jobs.claimNext(claimAt('a', Date.now()));

      const page = await store.jobs.list('alice', { limit: 3 });
      expect(page.items.map((job) => job.id)).toEqual([jobs[3].id, jobs[2].id, jobs[1].id]);
      expect(
        (await store.jobs.list('alice', { limit: 3, beforeSeq: page.nextSeq! })).items.map(
          (job) => job.id,
        ),
      ).toEqual([jobs[0].id]);
      expect(
        (await store.jobs.list('alice', { limit: 10, status: 'running' })).items.map(
          (job) => job.id,
        ),
      ).toEqual([jobs[0].id]);
      expect(await store.jobs.get('bob', jobs[0].id)).toBeNull();
      expect((await store.jobs.getById(jobs[0].id))?.tenant).toBe('alice');
    });
  });

  describe('claims', () => {
    it("take one tenant's jobs in submission order and bring what a worker needs", async () => {
      const first = await enqueue(store);
      const second = await enqueue(store);
      const now = Date.now();

      const claimed = await store.jobs.claimNext(claimAt('a', now));
      expect(claimed!.job).toMatchObject({
        id: first.id,
        status: 'running',
        attempts: 1,
        failures: 0,
        leaseOwner: 'a',
        leaseExpiresAt: now + 1000,
      });
      expect(claimed!.dataset).toMatchObject({ rows: 4, inputSize: 2, targetSize: 1 });
      expect(Array.from(claimed!.dataset.inputs)).toEqual(XOR.inputs.flat());
      expect(claimed!.checkpoint).toBeNull();
      expect((await store.jobs.claimNext(claimAt('a', now)))!.job.id).toBe(second.id);
      expect(await store.jobs.claimNext(claimAt('a', now))).toBeNull();
    });

    it('are fair across tenants: the tenant with the fewest running jobs goes first', async () => {
      const busy = [
        await enqueue(store, 'busy'),
        await enqueue(store, 'busy'),
        await enqueue(store, 'busy'),
      ];
      const quiet = await enqueue(store, 'quiet');
      const now = Date.now();
      const order = [];
      for (let index = 0; index < 4; index++)
        order.push((await store.jobs.claimNext(claimAt('a', now)))!.job.id);
      // busy's oldest job is older than quiet's; after it, quiet has fewer running jobs.
      expect(order).toEqual([busy[0].id, quiet.id, busy[1].id, busy[2].id]);
    });

    it('never hand one job to two stores claiming at the same time', async () => {
      const other = await opened.openAnother();
      const ids = [];
      for (let index = 0; index < 8; index++)
        ids.push((await enqueue(store, `tenant-${index % 3}`)).id);
      const now = Date.now();
      const claims = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? store : other).jobs.claimNext(claimAt(`owner-${index}`, now)),
        ),
      );
      const claimed = claims.filter((claim) => claim !== null).map((claim) => claim!.job.id);
      expect(claimed.sort()).toEqual([...ids].sort());
    });
  });

  describe('leases', () => {
    it('leave a job with a live lease alone and let an expired one be taken over', async () => {
      const other = await opened.openAnother();
      const { id } = await enqueue(store);
      const now = Date.now();
      expect((await store.jobs.claimNext(claimAt('process-a', now)))!.job).toMatchObject({
        id,
        attempts: 1,
      });
      expect(await other.jobs.claimNext(claimAt('process-b', now + 500))).toBeNull();

      const taken = await other.jobs.claimNext(claimAt('process-b', now + 1001));
      expect(taken!.job).toMatchObject({ id, attempts: 2, failures: 1, leaseOwner: 'process-b' });
    });

    it('fence out an ousted attempt: progress, end, renewals, release change nothing', async () => {
      const other = await opened.openAnother();
      const { id } = await enqueue(store);
      const now = Date.now();
      await store.jobs.claimNext(claimAt('process-a', now));
      expect(await store.jobs.recordProgress(id, 1, progressThrough(1, 1))).toBe(true);
      await other.jobs.claimNext(claimAt('process-b', now + 2000));

      expect(
        await store.jobs.recordProgress(
          id,
          1,
          progressThrough(2, 2, { epoch: 2, state: new Uint8Array([1]) }),
        ),
      ).toBe(false);
      expect(await store.jobs.finish(id, 1, ended('succeeded', 2))).toBeNull();
      expect(await store.jobs.renewLeases('process-a', [{ id, attempt: 1 }], now + 5000)).toEqual({
        held: [],
        lost: [id],
      });
      expect(
        await store.jobs.release(id, 1, {
          countFailure: true,
          maxAttempts: 3,
          checkpoint: null,
          failure: { code: 'WORKER_CRASHED', message: 'x' },
          finishedAt: new Date().toISOString(),
        }),
      ).toBeNull();

      expect(await other.jobs.recordProgress(id, 2, progressThrough(2, 2))).toBe(true);
      expect((await other.jobs.history(id, 0, 10)).map((entry) => entry.epoch)).toEqual([1, 2]);
      expect(await other.jobs.latestCheckpoint(id)).toBeNull();
      expect(await other.jobs.getById(id)).toMatchObject({
        status: 'running',
        attempts: 2,
        epoch: 2,
        leaseOwner: 'process-b',
      });
    });

    it('fail a job with WORKER_CRASHED once runners went silent maxAttempts times', async () => {
      const { id } = await enqueue(store);
      const now = Date.now();
      await store.jobs.claimNext(claimAt('a', now, 2));
      await store.jobs.claimNext(claimAt('b', now + 1001, 2));
      expect(await store.jobs.claimNext(claimAt('c', now + 2002, 2))).toBeNull();
      expect(await store.jobs.getById(id)).toMatchObject({
        status: 'failed',
        failures: 2,
        leaseOwner: null,
        error: { code: 'WORKER_CRASHED' },
      });
    });

    it('are renewed for the owner that holds them, which learns of a cancel request', async () => {
      const first = await enqueue(store);
      const second = await enqueue(store);
      const now = Date.now();
      await store.jobs.claimNext(claimAt('a', now));
      await store.jobs.claimNext(claimAt('a', now));
      await store.jobs.requestCancel('default', second.id, new Date().toISOString());

      const renewal = await store.jobs.renewLeases(
        'a',
        [
          { id: first.id, attempt: 1 },
          { id: second.id, attempt: 1 },
        ],
        now + 60_000,
      );
      expect(renewal.lost).toEqual([]);
      expect(renewal.held).toEqual([
        {
          id: first.id,
          attempts: 1,
          leaseOwner: 'a',
          leaseExpiresAt: now + 60_000,
          cancelRequested: false,
        },
        {
          id: second.id,
          attempts: 1,
          leaseOwner: 'a',
          leaseExpiresAt: now + 60_000,
          cancelRequested: true,
        },
      ]);
      expect(await store.jobs.renewLeases('b', [{ id: first.id, attempt: 1 }], now)).toEqual({
        held: [],
        lost: [first.id],
      });
      expect((await store.jobs.runningLeases()).map((lease) => lease.id)).toEqual([
        first.id,
        second.id,
      ]);
    });
  });

  describe('progress', () => {
    it('writes history, job summary and checkpoint together, or none of them', async () => {
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      const broken = progressThrough(1, 2, { epoch: 2, state: new Uint8Array([9, 9]) });
      const items = [broken.items[0], { ...broken.items[1], cost: null as unknown as number }];
      await expect(store.jobs.recordProgress(id, 1, { ...broken, items })).rejects.toThrow();
      expect(await store.jobs.history(id, 0, 10)).toEqual([]);
      expect(await store.jobs.latestCheckpoint(id)).toBeNull();
      expect((await store.jobs.getById(id))!.epoch).toBe(0);

      const checkpoint = { epoch: 2, state: new Uint8Array([1, 2, 3, 255]) };
      expect(await store.jobs.recordProgress(id, 1, progressThrough(1, 2, checkpoint))).toBe(true);
      expect(await store.jobs.history(id, 0, 10)).toEqual([item(1), item(2)]);
      expect(await store.jobs.latestCheckpoint(id)).toEqual(checkpoint);
      expect(await store.jobs.getById(id)).toMatchObject({
        epoch: 2,
        cost: item(2).cost,
        bestEpoch: 2,
      });
    });

    it('replaces a replayed epoch instead of repeating it, and pages the history', async () => {
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      await store.jobs.recordProgress(id, 1, progressThrough(1, 5));
      await store.jobs.recordProgress(id, 1, {
        ...progressThrough(4, 7),
        items: [item(4, 0.25), ...progressThrough(5, 7).items],
      });

      expect((await store.jobs.history(id, 0, 100)).map((entry) => entry.epoch)).toEqual([
        1, 2, 3, 4, 5, 6, 7,
      ]);
      expect(await store.jobs.history(id, 3, 1)).toEqual([item(4, 0.25)]);
      expect((await store.jobs.history(id, 5, 10)).map((entry) => entry.epoch)).toEqual([6, 7]);
    });

    it('samples the history: only multiples of `every`, paged like the whole of it', async () => {
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      await store.jobs.recordProgress(id, 1, progressThrough(1, 23));
      const epochs = async (after: number, limit: number, every: number) =>
        (await store.jobs.history(id, after, limit, every)).map((entry) => entry.epoch);

      expect(await epochs(0, 100, 5)).toEqual([5, 10, 15, 20]);
      expect(await epochs(7, 2, 5)).toEqual([10, 15]);
      expect(await epochs(10, 2, 5)).toEqual([15, 20]);
      expect(await epochs(20, 10, 5)).toEqual([]);
      expect(await epochs(0, 3, 23)).toEqual([23]);
      expect(await epochs(0, 3, 1)).toEqual([1, 2, 3]);
      expect((await store.jobs.history(id, 0, 1, 4))[0]).toEqual(item(4));
    });
  });

  describe('finish', () => {
    it('stores the model, trims later epochs, drops the checkpoint, clears the lease', async () => {
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      await store.jobs.recordProgress(
        id,
        1,
        progressThrough(1, 6, { epoch: 6, state: new Uint8Array([7]) }),
      );
      const layers = [
        {
          W: { rows: 2, cols: 2, data: Float64Array.from([0.1, -0.2, 1e-300, 3]) },
          b: { rows: 1, cols: 2, data: Float64Array.from([0, -0]) },
        },
      ];
      const finished = await store.jobs.finish(id, 1, {
        ...ended('cancelled', 4),
        stopReason: 'cancelled',
        model: { epoch: 4, cost: 0.125, layers },
      });

      // The job as it ended comes back from the write, equal to a read of it.
      expect(finished).toEqual(await store.jobs.getById(id));
      expect(finished).toMatchObject({
        status: 'cancelled',
        stopReason: 'cancelled',
        epoch: 4,
        hasModel: true,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect((await store.jobs.history(id, 0, 100)).map((entry) => entry.epoch)).toEqual([
        1, 2, 3, 4,
      ]);
      expect(await store.jobs.latestCheckpoint(id)).toBeNull();
      expect(await store.jobs.model(id)).toEqual({ epoch: 4, cost: 0.125, layers });
      expect(await store.jobs.finish(id, 1, ended('succeeded', 6))).toBeNull();
    });
  });

  describe('release', () => {
    it('requeues a suspended job with its checkpoint, without counting a failure', async () => {
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      const checkpoint = { epoch: 3, state: new Uint8Array([3, 3, 3]) };
      expect(
        await store.jobs.release(id, 1, {
          countFailure: false,
          maxAttempts: 1,
          checkpoint,
          failure: { code: 'WORKER_CRASHED', message: 'suspended' },
          finishedAt: new Date().toISOString(),
        }),
      ).toBe('queued');
      expect(await store.jobs.getById(id)).toMatchObject({
        status: 'queued',
        failures: 0,
        attempts: 1,
        leaseOwner: null,
      });

      const again = await store.jobs.claimNext(claimAt('b', Date.now()));
      expect(again!.checkpoint).toEqual(checkpoint);
      expect(again!.job.attempts).toBe(2);
    });

    it('counts a crash as a failure, ending the job failed with it at maxAttempts', async () => {
      const { id } = await enqueue(store);
      const crash = {
        countFailure: true,
        maxAttempts: 2,
        checkpoint: null,
        failure: { code: 'WORKER_CRASHED', message: 'the training worker crashed: boom' },
        finishedAt: new Date().toISOString(),
      };
      await store.jobs.claimNext(claimAt('a', Date.now()));
      expect(await store.jobs.release(id, 1, crash)).toBe('queued');
      await store.jobs.claimNext(claimAt('a', Date.now()));
      expect(await store.jobs.release(id, 2, crash)).toBe('failed');
      expect(await store.jobs.getById(id)).toMatchObject({
        status: 'failed',
        failures: 2,
        error: crash.failure,
        finishedAt: crash.finishedAt,
      });
      expect(await store.jobs.release(id, 2, crash)).toBeNull();
    });
  });

  describe('cancel', () => {
    it('ends queued jobs now, flags running, leaves finished, ignores other tenants', async () => {
      const queued = await enqueue(store, 'alice');
      const running = await enqueue(store, 'alice');
      const finishedAt = new Date().toISOString();
      await store.jobs.claimNext(claimAt('a', Date.now()));

      expect(await store.jobs.requestCancel('bob', queued.id, finishedAt)).toBeNull();
      // `queued` was claimed first (submission order): cancel the other one while queued.
      expect(await store.jobs.requestCancel('alice', running.id, finishedAt)).toMatchObject({
        status: 'cancelled',
        stopReason: 'cancelled',
        cancelRequested: true,
        finishedAt,
      });
      expect(await store.jobs.requestCancel('alice', queued.id, finishedAt)).toMatchObject({
        status: 'running',
        cancelRequested: true,
      });
      await store.jobs.finish(queued.id, 1, { ...ended('cancelled', 0), stopReason: 'cancelled' });
      expect(
        await store.jobs.requestCancel('alice', queued.id, new Date().toISOString()),
      ).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    });
  });

  describe('the attempts audit', () => {
    it('opens a row per claim, closes it with how the attempt ended; none overlap', async () => {
      const other = await opened.openAnother();
      const { id } = await enqueue(store);
      const now = Date.now();
      await store.jobs.claimNext(claimAt('a', now));
      await other.jobs.claimNext(claimAt('b', now + 1001));
      await other.jobs.release(id, 2, {
        countFailure: false,
        maxAttempts: 3,
        checkpoint: null,
        failure: { code: 'WORKER_CRASHED', message: 'suspended' },
        finishedAt: new Date().toISOString(),
      });
      await store.jobs.claimNext(claimAt('c', Date.now()));
      expect((await store.jobs.attempts(id)).at(-1)).toMatchObject({
        attempt: 3,
        owner: 'c',
        endedAt: null,
        outcome: null,
      });
      await store.jobs.finish(id, 3, ended('succeeded', 0));

      const attempts = await other.jobs.attempts(id);
      expect(attempts.map(({ attempt, owner, outcome }) => ({ attempt, owner, outcome }))).toEqual([
        { attempt: 1, owner: 'a', outcome: 'lease_expired' },
        { attempt: 2, owner: 'b', outcome: 'suspended' },
        { attempt: 3, owner: 'c', outcome: 'succeeded' },
      ]);
      for (const [index, attempt] of attempts.entries()) {
        expect(attempt.endedAt! >= attempt.startedAt).toBe(true);
        if (index > 0) expect(attempt.startedAt >= attempts[index - 1].endedAt!).toBe(true);
      }
    });
  });

  describe('notifications', () => {
    it('announce enqueue, claim, epochs, cancel and end, each after it committed', async () => {
      const heard = collect(store);
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      await store.jobs.recordProgress(id, 1, progressThrough(1, 3));
      await store.jobs.requestCancel('default', id, new Date().toISOString());
      await store.jobs.finish(id, 1, { ...ended('cancelled', 3), stopReason: 'cancelled' });
      const origin = store.notifications.origin;

      const seen = await heard.until((all) => all.length >= 5);
      heard.stop();
      expect(seen).toEqual([
        { type: 'runnable', origin },
        { type: 'status', jobId: id, status: 'running', origin },
        { type: 'epochs', jobId: id, fromEpoch: 1, toEpoch: 3, origin },
        { type: 'cancel', jobId: id, origin },
        { type: 'status', jobId: id, status: 'cancelled', origin },
      ]);
    });

    it('say nothing about a write that was fenced out or rolled back', async () => {
      const heard = collect(store);
      const { id } = await enqueue(store);
      await store.jobs.claimNext(claimAt('a', Date.now()));
      await heard.until((all) => all.some((one) => one.type === 'status'));
      heard.seen.length = 0;
      expect(await store.jobs.recordProgress(id, 7, progressThrough(1, 1))).toBe(false);
      await expect(
        store.jobs.recordProgress(id, 1, {
          ...progressThrough(1, 1),
          items: [{ ...item(1), cost: null as unknown as number }],
        }),
      ).rejects.toThrow();
      // A marker write that is announced: everything before it would have arrived first.
      await store.jobs.recordProgress(id, 1, progressThrough(1, 2));
      const seen = await heard.until((all) => all.length >= 1);
      heard.stop();
      expect(seen).toEqual([
        { type: 'epochs', jobId: id, fromEpoch: 1, toEpoch: 2, origin: store.notifications.origin },
      ]);
    });

    it(
      backend.name === 'postgres'
        ? 'reach every other store on the same database, from any replica'
        : 'stay inside the process that wrote (other processes poll)',
      async () => {
        const other = await opened.openAnother();
        const heard = collect(other);
        const { id } = await enqueue(store);
        await store.jobs.claimNext(claimAt('a', Date.now()));
        await store.jobs.requestCancel('default', id, new Date().toISOString());
        // A change on `other` itself, announced after the ones above would have been.
        await enqueue(other);

        const seen = await heard.until((all) =>
          all.some((one) => one.origin === other.notifications.origin),
        );
        heard.stop();
        const fromFirst = seen
          .filter((one) => one.origin === store.notifications.origin)
          .map((one) => one.type);
        expect(fromFirst).toEqual(
          backend.name === 'postgres' ? ['runnable', 'status', 'cancel'] : [],
        );
        expect(store.notifications.reachesOtherProcesses).toBe(backend.name === 'postgres');
      },
    );
  });
});
