import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveTrainingOptions, type EpochReport } from '../../src/engine/index.js';
import { bufferToFloat64, datasetDigest } from '../../src/storage/codec.js';
import { newId } from '../../src/storage/ids.js';
import { loadMigrations } from '../../src/storage/migrations.js';
import type { NewDataset } from '../../src/storage/records.js';
import { migrateSqlite } from '../../src/storage/sqlite/database.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { ClaimOptions } from '../../src/storage/store.js';

let directory: string;
let store: SqliteStore;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chainrule-store-'));
  store = SqliteStore.open(join(directory, 'chainrule.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

function newDataset(inputs: number[][], targets: number[][]): NewDataset {
  const inputValues = Float64Array.from(inputs.flat());
  const targetValues = Float64Array.from(targets.flat());
  const rows = inputs.length;
  return {
    id: newId('ds'),
    tenant: 'default',
    name: null,
    rows,
    inputSize: inputs[0].length,
    targetSize: targets[0].length,
    inputs: inputValues,
    targets: targetValues,
    createdAt: new Date().toISOString(),
    sha256: datasetDigest(rows, inputs[0].length, targets[0].length, inputValues, targetValues),
  };
}

async function enqueueJob(epochs = 10): Promise<string> {
  const dataset = await store.datasets.create(
    newDataset(
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      [[0], [1], [1], [0]],
    ),
  );
  const job = await store.jobs.create(
    {
      id: newId('job'),
      tenant: 'default',
      networkId: null,
      datasetId: dataset.id,
      initialModel: null,
      network: {
        inputSize: 2,
        layers: [{ units: 1, activation: 'sigmoid' }],
        loss: 'binaryCrossentropy',
      },
      training: {
        ...resolveTrainingOptions({ epochs, optimizer: { type: 'sgd' }, seed: 1 }),
        initialModel: null,
      },
      createdAt: new Date().toISOString(),
    },
    { queueLimit: 100, tenantJobLimit: 100 },
  );
  return job.id;
}

function claimOptions(owner: string, now = Date.now()): ClaimOptions {
  return { owner, now, leaseMs: 30_000, maxAttempts: 5, startedAt: new Date(now).toISOString() };
}

function report(epoch: number, cost: number): EpochReport {
  return { epoch, cost, gradientNorms: [0.5], elapsedMs: epoch };
}

function progress(items: EpochReport[]) {
  const last = items[items.length - 1];
  return {
    items,
    epoch: last.epoch,
    cost: last.cost,
    validationCost: null,
    bestEpoch: null,
    checkpoint: null,
  };
}

describe('SQLite migrations', () => {
  it('opens the file in WAL mode and records every migration with its number and name', () => {
    const recorded = store.db
      .prepare('SELECT version, name FROM schema_migrations ORDER BY version')
      .all();

    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(recorded).toEqual(
      loadMigrations('sqlite').map(({ version, name }) => ({ version, name })),
    );
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('applies nothing twice: a second run and a reopened file apply no migration', async () => {
    expect(migrateSqlite(store.db)).toEqual([]);
    await store.close();

    store = SqliteStore.open(join(directory, 'chainrule.db'));

    expect(migrateSqlite(store.db)).toEqual([]);
    const count = store.db.prepare('SELECT count(*) AS count FROM schema_migrations').get() as {
      count: number;
    };
    expect(count.count).toBe(loadMigrations('sqlite').length);
  });

  it('keeps stored rows across a reopen', async () => {
    const id = await enqueueJob();
    await store.close();

    store = SqliteStore.open(join(directory, 'chainrule.db'));

    expect((await store.jobs.getById(id))?.status).toBe('queued');
  });
});

describe('SQLite datasets', () => {
  it('stores values as little-endian float64 blobs with their shape, not JSON text', async () => {
    const dataset = newDataset(
      [
        [0.1, 1e-300],
        [-2.5, 0.1 + 0.2],
      ],
      [[1], [0]],
    );
    await store.datasets.create(dataset);

    const row = store.db
      .prepare(
        `SELECT typeof(inputs) AS inputType, typeof(targets) AS targetType, inputs,
      rows, input_size, target_size FROM datasets WHERE id = ?`,
      )
      .get(dataset.id) as {
      inputType: string;
      targetType: string;
      inputs: Buffer;
      rows: number;
      input_size: number;
      target_size: number;
    };

    expect(row).toMatchObject({
      inputType: 'blob',
      targetType: 'blob',
      rows: 2,
      input_size: 2,
      target_size: 1,
    });
    expect(row.inputs.byteLength).toBe(4 * 8);
    expect(row.inputs.readDoubleLE(3 * 8)).toBe(0.1 + 0.2);
    expect(Array.from(bufferToFloat64(row.inputs))).toEqual([0.1, 1e-300, -2.5, 0.1 + 0.2]);
  });

  it('reads back bit-identical values and keeps the sha256 of shape and values', async () => {
    const dataset = newDataset(
      [
        [Math.PI, -0],
        [Number.MIN_VALUE, Number.MAX_VALUE],
      ],
      [[1], [2]],
    );
    await store.datasets.create(dataset);

    const values = await store.datasets.values(dataset.id);
    const record = await store.datasets.get('default', dataset.id);

    expect(Array.from(values!.inputs)).toEqual(Array.from(dataset.inputs));
    expect(Object.is(values!.inputs[1], -0)).toBe(true);
    expect(record!.sha256).toBe(dataset.sha256);
  });

  it('refuses to delete a dataset a queued job uses', async () => {
    const jobId = await enqueueJob();
    const job = await store.jobs.getById(jobId);

    await expect(store.datasets.delete('default', job!.datasetId)).rejects.toMatchObject({
      code: 'DATASET_IN_USE',
    });
  });
});

describe('SQLite job history', () => {
  it('is keyed by (job_id, epoch)', () => {
    const keys = store.db
      .prepare(`SELECT name FROM pragma_table_info('job_history') WHERE pk > 0 ORDER BY pk`)
      .pluck()
      .all();

    expect(keys).toEqual(['job_id', 'epoch']);
  });

  it('keeps one row per epoch when an epoch is reported again, with the newer values', async () => {
    const id = await enqueueJob();
    const claimed = await store.jobs.claimNext(claimOptions('a'));
    const attempt = claimed!.job.attempts;

    await store.jobs.recordProgress(
      id,
      attempt,
      progress([report(1, 0.9), report(2, 0.8), report(3, 0.7)]),
    );
    await store.jobs.recordProgress(id, attempt, progress([report(3, 0.65), report(4, 0.6)]));

    const history = await store.jobs.history(id, 0, 100);
    expect(history.map((item) => [item.epoch, item.cost])).toEqual([
      [1, 0.9],
      [2, 0.8],
      [3, 0.65],
      [4, 0.6],
    ]);
  });

  it('stores a large batch of reports whole, with every optional field', async () => {
    const id = await enqueueJob();
    await store.jobs.claimNext(claimOptions('a'));
    const items: EpochReport[] = Array.from({ length: 150 }, (_, index) => ({
      epoch: index + 1,
      cost: 1 / (index + 1),
      validationCost: index % 2 ? 0.5 : undefined,
      accuracy: 0.25,
      validationAccuracy: index === 149 ? 1 : undefined,
      gradientNorms: [index, 2],
      elapsedMs: index,
    }));

    await store.jobs.recordProgress(id, 1, progress(items));

    const stored = await store.jobs.history(id, 0, 500);
    expect(stored).toEqual(items.map((item) => JSON.parse(JSON.stringify(item))));
  });

  it('keeps gradient norms bit for bit in float64 blobs, reading older JSON text too', async () => {
    const id = await enqueueJob();
    await store.jobs.claimNext(claimOptions('a'));
    const norms = [0.1 + 0.2, 1e-300, 12345.678901234567];
    await store.jobs.recordProgress(id, 1, progress([{ ...report(1, 0.9), gradientNorms: norms }]));
    // A row as builds before the blob encoding wrote it.
    store.db
      .prepare(
        `INSERT INTO job_history (job_id, epoch, cost, gradient_norms, elapsed_ms)
         VALUES (?, 2, 0.8, '[0.25,0.5,0.75]', 2)`,
      )
      .run(id);

    const stored = store.db
      .prepare('SELECT typeof(gradient_norms) FROM job_history WHERE job_id = ? ORDER BY epoch')
      .pluck()
      .all(id);
    expect(stored).toEqual(['blob', 'text']);
    const history = await store.jobs.history(id, 0, 10);
    expect(history.map((item) => item.gradientNorms)).toEqual([norms, [0.25, 0.5, 0.75]]);
  });

  it("appends the reports sent with the outcome; the job's cost is the last one's", async () => {
    const id = await enqueueJob();
    await store.jobs.claimNext(claimOptions('a'));
    await store.jobs.recordProgress(id, 1, progress([report(1, 0.9)]));

    const finished = await store.jobs.finish(id, 1, {
      status: 'succeeded',
      stopReason: 'epochs',
      error: null,
      model: null,
      lastEpoch: 3,
      bestEpoch: 3,
      finishedAt: new Date().toISOString(),
      history: [report(2, 0.8), report(3, 0.7)],
    });

    // The job as it ended comes back from the write, equal to a read of it.
    expect(finished).toEqual(await store.jobs.getById(id));
    expect((await store.jobs.history(id, 0, 100)).map((item) => item.epoch)).toEqual([1, 2, 3]);
    expect(finished).toMatchObject({
      status: 'succeeded',
      epoch: 3,
      cost: 0.7,
      bestEpoch: 3,
    });
  });

  it('drops epochs after the finishing epoch, left over from an abandoned attempt', async () => {
    const id = await enqueueJob();
    const claimed = await store.jobs.claimNext(claimOptions('a'));
    const attempt = claimed!.job.attempts;
    await store.jobs.recordProgress(
      id,
      attempt,
      progress([report(1, 0.9), report(2, 0.8), report(3, 0.7)]),
    );

    await store.jobs.finish(id, attempt, {
      status: 'cancelled',
      stopReason: 'cancelled',
      error: null,
      model: null,
      lastEpoch: 2,
      bestEpoch: null,
      finishedAt: new Date().toISOString(),
    });

    expect((await store.jobs.history(id, 0, 100)).map((item) => item.epoch)).toEqual([1, 2]);
  });
});

describe('SQLite queue', () => {
  it('claims jobs in submission order, one claim per job', async () => {
    const first = await enqueueJob();
    const second = await enqueueJob();

    const a = await store.jobs.claimNext(claimOptions('a'));
    const b = await store.jobs.claimNext(claimOptions('b'));
    const none = await store.jobs.claimNext(claimOptions('c'));

    expect([a?.job.id, b?.job.id, none]).toEqual([first, second, null]);
    expect(a?.job).toMatchObject({ status: 'running', attempts: 1, leaseOwner: 'a' });
    expect(Array.from(a!.dataset.targets)).toEqual([0, 1, 1, 0]);
  });

  it('fences out every write of an attempt whose lease another process took over', async () => {
    const id = await enqueueJob();
    const now = Date.now();
    const stale = await store.jobs.claimNext(claimOptions('dead', now));
    await store.jobs.recordProgress(id, 1, progress([report(1, 0.9)]));

    // The first owner stops renewing; once its lease expired, another process claims the job.
    const taken = await store.jobs.claimNext(claimOptions('alive', now + 60_000));
    expect(taken?.job).toMatchObject({ id, attempts: 2, leaseOwner: 'alive' });

    const staleProgress = await store.jobs.recordProgress(
      id,
      stale!.job.attempts,
      progress([report(2, 0.1)]),
    );
    const staleFinish = await store.jobs.finish(id, stale!.job.attempts, {
      status: 'succeeded',
      stopReason: 'epochs',
      error: null,
      model: null,
      lastEpoch: 2,
      bestEpoch: null,
      finishedAt: new Date().toISOString(),
    });
    const staleRelease = await store.jobs.release(id, stale!.job.attempts, {
      countFailure: false,
      maxAttempts: 5,
      checkpoint: null,
      failure: { code: 'WORKER_CRASHED', message: 'x' },
      finishedAt: new Date().toISOString(),
    });
    const staleRenew = await store.jobs.renewLeases('dead', [{ id, attempt: 1 }], now + 120_000);

    expect([staleProgress, staleFinish, staleRelease]).toEqual([false, null, null]);
    expect(staleRenew).toEqual({ held: [], lost: [id] });
    const job = await store.jobs.getById(id);
    expect(job).toMatchObject({
      status: 'running',
      attempts: 2,
      epoch: 1,
      leaseOwner: 'alive',
      failures: 1,
    });
    expect((await store.jobs.history(id, 0, 100)).map((item) => item.cost)).toEqual([0.9]);

    expect(await store.jobs.recordProgress(id, 2, progress([report(2, 0.5)]))).toBe(true);
    expect((await store.jobs.getById(id))?.epoch).toBe(2);
  });

  it('fails a job whose leases expired maxAttempts times instead of reclaiming it', async () => {
    const id = await enqueueJob();
    const now = Date.now();
    const options = (owner: string, at: number) => ({ ...claimOptions(owner, at), maxAttempts: 2 });
    await store.jobs.claimNext(options('first', now));
    await store.jobs.claimNext(options('second', now + 60_000));

    const third = await store.jobs.claimNext(options('third', now + 120_000));

    expect(third).toBeNull();
    expect(await store.jobs.getById(id)).toMatchObject({
      status: 'failed',
      error: { code: 'WORKER_CRASHED' },
    });
  });

  it('cancels a queued job at once and only flags a running one', async () => {
    const older = await enqueueJob();
    const newer = await enqueueJob();
    await store.jobs.claimNext(claimOptions('a'));
    const at = new Date().toISOString();

    const running = await store.jobs.requestCancel('default', older, at);
    const queued = await store.jobs.requestCancel('default', newer, at);

    expect(running).toMatchObject({ status: 'running', cancelRequested: true, finishedAt: null });
    expect(queued).toMatchObject({ status: 'cancelled', stopReason: 'cancelled', finishedAt: at });
  });
});
