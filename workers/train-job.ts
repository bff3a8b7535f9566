import {
  EngineError,
  Trainer,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from '../src/engine/index.js';
import {
  CONTROL,
  controlViews,
  type ProgressMessage,
  type TrainOutcomeSent,
  type TrainTask,
} from './protocol.js';
import { ReportBatchBuilder } from './report-batch.js';
import { yieldToMainThread } from './thread-priority.js';

// Training yields the CPU to the main thread, so that polls are answered at once while every
// core trains (see thread-priority.ts).
yieldToMainThread();

/** Engine errors that end a job as `failed`; anything else thrown is a crash, and is retried. */
const JOB_FAILURE_CODES = new Set(['TRAINING_DIVERGED', 'TIME_LIMIT_EXCEEDED']);

/**
 * Trains one job on this worker thread: runs the engine, streams batched epoch reports and
 * periodic checkpoints over the task's port, and returns the model with the reports not sent
 * yet. No HTTP, no database.
 */
export default function trainJob(task: TrainTask): TrainOutcomeSent {
  const { dataset, port } = task;
  const { signal, stored } = controlViews(task.control);
  const resumeFrom = task.checkpoint ? decodeCheckpoint(task.checkpoint) : undefined;
  const trainer = new Trainer(
    task.network,
    {
      inputs: { rows: dataset.rows, cols: dataset.inputSize, data: dataset.inputs },
      targets: { rows: dataset.rows, cols: dataset.targetSize, data: dataset.targets },
    },
    task.training,
    { initialLayers: task.initialLayers ?? undefined, checkpoint: resumeFrom },
  );

  const pending = new ReportBatchBuilder(task.network.layers.length);
  let pendingCheckpoint: { epoch: number; state: Uint8Array } | null = null;
  let lastPostAt = performance.now();
  let lastCheckpointAt = lastPostAt;
  let lastCheckpointEpoch = resumeFrom?.epoch ?? 0;
  let progressMessages = 0;

  const flush = (): void => {
    if (pending.size === 0 && pendingCheckpoint === null) return;
    const reports = pending.take();
    const message: ProgressMessage = {
      type: 'progress',
      reports,
      bestEpoch: trainer.bestEpoch,
      checkpoint: pendingCheckpoint,
    };
    const transfer = [reports.values.buffer as ArrayBuffer];
    if (pendingCheckpoint) transfer.push(pendingCheckpoint.state.buffer as ArrayBuffer);
    port.postMessage(message, transfer);
    progressMessages++;
    pendingCheckpoint = null;
    lastPostAt = performance.now();
  };

  /** Time spent waiting for the database: not training time. */
  let waitedMs = 0;

  /**
   * Blocks this thread until the main thread has stored epochs up to `epoch`, or it asks the job
   * to stop. The timeout only bounds each wait; a store or a stop request notifies at once. The
   * wait is left out of the engine's clock, so it counts toward neither timeLimitSeconds nor
   * elapsedMs: a job with microsecond epochs trains as long as its limit says.
   */
  const waitUntilStored = (epoch: number): void => {
    const waitStartedAt = performance.now();
    for (;;) {
      const storedEpoch = Atomics.load(stored!, 0);
      if (Number(storedEpoch) >= epoch || Atomics.load(signal, 0) !== CONTROL.RUN) break;
      Atomics.wait(stored!, 0, storedEpoch, 100);
    }
    waitedMs += performance.now() - waitStartedAt;
  };

  try {
    const result = trainer.run({
      now: () => performance.now() - waitedMs,
      control() {
        const value = Atomics.load(signal, 0);
        return value === CONTROL.CANCEL ? 'cancel' : value === CONTROL.SUSPEND ? 'suspend' : null;
      },
      onEpoch(report, running) {
        pending.push(report);
        const now = performance.now();
        if (
          report.epoch - lastCheckpointEpoch >= task.checkpointEveryEpochs ||
          now - lastCheckpointAt >= task.checkpointEveryMs
        ) {
          // A newer checkpoint replaces one not yet sent: only the newest is ever stored.
          pendingCheckpoint = {
            epoch: report.epoch,
            state: encodeCheckpoint(running.checkpoint()),
          };
          lastCheckpointEpoch = report.epoch;
          lastCheckpointAt = now;
          flush();
        } else if (
          pending.size >= task.maxReportsPerMessage ||
          now - lastPostAt >= task.reportEveryMs
        ) {
          flush();
        }

        if (stored && report.epoch - Number(Atomics.load(stored, 0)) > task.maxUnstoredEpochs) {
          // Far ahead of the database: hand over what is pending and wait until half is stored,
          // so that the thread does not wake for every single epoch.
          flush();
          waitUntilStored(report.epoch - Math.floor(task.maxUnstoredEpochs / 2));
        }
      },
    });
    // Returned with the reports not sent yet: a job that ends within one report interval posts
    // nothing. A periodic checkpoint was posted at once, so none is left pending here.
    return {
      type: 'result',
      stopReason: result.stopReason,
      epoch: result.epoch,
      cost: result.cost,
      layers: result.layers,
      lastEpoch: result.checkpoint.epoch,
      // Only a suspended job resumes from its state: encoding it for any other costs the job.
      checkpoint:
        result.stopReason === 'suspended'
          ? {
              epoch: result.checkpoint.epoch,
              state: encodeCheckpoint(result.checkpoint as TrainingCheckpoint),
            }
          : null,
      reports: pending.take(),
      bestEpoch: result.bestEpoch,
      progressMessages,
    };
  } catch (error) {
    if (error instanceof EngineError && JOB_FAILURE_CODES.has(error.code)) {
      return {
        type: 'failure',
        code: error.code as 'TRAINING_DIVERGED',
        message: error.message,
        reports: pending.take(),
        bestEpoch: trainer.bestEpoch,
        progressMessages,
      };
    }
    // A crash: the epochs that finished are still stored before the attempt is retried.
    flush();
    throw error;
  } finally {
    port.close();
  }
}
