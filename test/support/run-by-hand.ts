import { OPEN_TENANT } from '../../src/api/authentication.js';
import { buildDataset } from '../../src/api/dataset-input.js';
import { loadConfig } from '../../src/config.js';
import {
  Trainer,
  encodeCheckpoint,
  type EpochReport,
  type NetworkDefinition,
} from '../../src/engine/index.js';
import { submitJob } from '../../src/queue/submit-job.js';
import type { JobRecord } from '../../src/storage/records.js';
import type { ClaimedJob, Store } from '../../src/storage/store.js';
import { XOR, XOR_NETWORK } from './app.js';

/**
 * Route tests have no worker pool. These helpers stand in for the dispatcher on the test's own
 * thread: they claim the oldest queued job through the real store, train it with the real
 * engine and write exactly what the dispatcher writes (history, checkpoint, outcome), so a route
 * can be tested against a running or a finished job without threads or timing.
 */

const OWNER = 'test/0/runner';

export interface HandRun {
  readonly jobId: string;
  readonly attempt: number;
  readonly reports: EpochReport[];
}

/** Claims the next job and trains `epochs` epochs of it: it stays `running`, with a checkpoint. */
export async function startNextJob(store: Store, epochs: number): Promise<HandRun> {
  const claimed = await claimNext(store);
  const reports: EpochReport[] = [];
  let checkpoint: Uint8Array | null = null;
  const trainer = trainerFor(claimed);

  trainer.run({
    onEpoch(report, running) {
      reports.push(report);
      if (report.epoch === epochs) checkpoint = encodeCheckpoint(running.checkpoint());
    },
    control: () => (reports.length >= epochs ? 'suspend' : null),
  });

  const { job } = claimed;
  const last = reports[reports.length - 1];
  await store.jobs.recordProgress(job.id, job.attempts, {
    items: reports,
    epoch: last.epoch,
    cost: last.cost,
    validationCost: null,
    bestEpoch: null,
    checkpoint: checkpoint ? { epoch: last.epoch, state: checkpoint } : null,
  });
  return { jobId: job.id, attempt: job.attempts, reports };
}

/** Claims the next job, trains it to the end and records it `succeeded` with its model. */
export async function finishNextJob(store: Store): Promise<HandRun> {
  const claimed = await claimNext(store);
  const reports: EpochReport[] = [];
  const result = trainerFor(claimed).run({ onEpoch: (report) => void reports.push(report) });

  const { job } = claimed;
  await store.jobs.recordProgress(job.id, job.attempts, {
    items: reports,
    epoch: result.epoch,
    cost: result.cost,
    validationCost: null,
    bestEpoch: result.bestEpoch,
    checkpoint: null,
  });
  await store.jobs.finish(job.id, job.attempts, {
    status: 'succeeded',
    stopReason: 'epochs',
    error: null,
    model: { epoch: result.epoch, cost: result.cost, layers: result.layers },
    lastEpoch: result.epoch,
    bestEpoch: result.bestEpoch,
    finishedAt: new Date().toISOString(),
  });
  return { jobId: job.id, attempt: job.attempts, reports };
}

/**
 * Claims the oldest queued job through the store as dispatcher `owner` would. `at` dates the
 * claim in the past: a claim a minute old with a lease of a second is one whose owner died.
 */
export async function claimNext(
  store: Store,
  { owner = OWNER, at = Date.now(), leaseMs = 60_000 } = {},
): Promise<ClaimedJob> {
  const claimed = await store.jobs.claimNext({
    owner,
    now: at,
    leaseMs,
    maxAttempts: 3,
    startedAt: new Date(at).toISOString(),
  });
  if (!claimed) throw new Error('no queued job to claim');
  return claimed;
}

/** The report of epoch 1 that claimAndRecordEpoch stores. */
export const FIRST_EPOCH = { epoch: 1, cost: 0.7, gradientNorms: [0.1, 0.2], elapsedMs: 1 };

/** Claims the oldest queued job and stores its first epoch, as a worker's first report would. */
export async function claimAndRecordEpoch(store: Store, jobId: string): Promise<ClaimedJob> {
  const claimed = await claimNext(store);
  await store.jobs.recordProgress(jobId, claimed.job.attempts, {
    items: [FIRST_EPOCH],
    epoch: 1,
    bestEpoch: null,
    checkpoint: null,
    cost: FIRST_EPOCH.cost,
    validationCost: null,
  });
  return claimed;
}

/** Enqueues the lecture's XOR straight through a store, as another process on its file would. */
export function enqueueXor(store: Store): Promise<JobRecord> {
  return submitJob(
    { store, limits: LIMITS, queueLimit: 100, tenantJobLimit: 100 },
    {
      tenant: OPEN_TENANT,
      network: XOR_NETWORK as NetworkDefinition,
      dataset: buildDataset(XOR, OPEN_TENANT, LIMITS, 'dataset.'),
      training: {
        epochs: 10,
        shuffle: true,
        validationSplit: 0,
        l2: 0,
        optimizer: { type: 'sgd', learningRate: 0.1 },
      },
    },
  );
}

const LIMITS = loadConfig({}).limits;

function trainerFor({ job, dataset }: ClaimedJob): Trainer {
  const { training } = job;
  return new Trainer(
    job.network,
    {
      inputs: { rows: dataset.rows, cols: dataset.inputSize, data: dataset.inputs },
      targets: { rows: dataset.rows, cols: dataset.targetSize, data: dataset.targets },
    },
    {
      epochs: training.epochs,
      batchSize: training.batchSize ?? undefined,
      optimizer: training.optimizer,
      seed: training.seed,
      shuffle: training.shuffle,
      validationSplit: training.validationSplit,
      l2: training.l2,
    },
  );
}
