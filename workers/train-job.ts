import {
  EngineError, Trainer, decodeCheckpoint, encodeCheckpoint, type EpochReport, type TrainingCheckpoint,
} from '../src/engine/index.js';
import { CONTROL, type ProgressMessage, type TrainOutcome, type TrainTask } from './protocol.js';

/** Engine errors that end a job as `failed`; anything else thrown is a crash, and is retried. */
const JOB_FAILURE_CODES = new Set(['TRAINING_DIVERGED', 'TIME_LIMIT_EXCEEDED']);

/**
 * Trains one job on this worker thread: runs the engine, streams batched epoch reports and
 * periodic checkpoints over the task's port, and returns the model. No HTTP, no database.
 */
export default function trainJob(task: TrainTask): TrainOutcome {
  const { dataset, port } = task;
  const control = new Int32Array(task.control);
  const resumeFrom = task.checkpoint ? decodeCheckpoint(task.checkpoint) : undefined;
  const trainer = new Trainer(task.network, {
    inputs: { rows: dataset.rows, cols: dataset.inputSize, data: dataset.inputs },
    targets: { rows: dataset.rows, cols: dataset.targetSize, data: dataset.targets },
  }, task.training, { initialLayers: task.initialLayers ?? undefined, checkpoint: resumeFrom });

  let pending: EpochReport[] = [];
  let pendingCheckpoint: { epoch: number; state: Uint8Array } | null = null;
  let lastPostAt = performance.now();
  let lastCheckpointAt = lastPostAt;
  let lastCheckpointEpoch = resumeFrom?.epoch ?? 0;

  const flush = (): void => {
    if (pending.length === 0 && pendingCheckpoint === null) return;
    const message: ProgressMessage = { type: 'progress', reports: pending, bestEpoch: trainer.bestEpoch,
      checkpoint: pendingCheckpoint };
    port.postMessage(message, pendingCheckpoint ? [pendingCheckpoint.state.buffer as ArrayBuffer] : []);
    pending = [];
    pendingCheckpoint = null;
    lastPostAt = performance.now();
  };

  try {
    const result = trainer.run({
      control() {
        const signal = Atomics.load(control, 0);
        return signal === CONTROL.CANCEL ? 'cancel' : signal === CONTROL.SUSPEND ? 'suspend' : null;
      },
      onEpoch(report, running) {
        pending.push(report);
        const now = performance.now();
        if (report.epoch - lastCheckpointEpoch >= task.checkpointEveryEpochs
          || now - lastCheckpointAt >= task.checkpointEveryMs) {
          // A newer checkpoint replaces one not yet sent: only the newest is ever stored.
          pendingCheckpoint = { epoch: report.epoch, state: encodeCheckpoint(running.checkpoint()) };
          lastCheckpointEpoch = report.epoch;
          lastCheckpointAt = now;
          flush();
        } else if (now - lastPostAt >= task.reportEveryMs) {
          flush();
        }
      },
    });
    flush();

    const checkpoint = encodeCheckpoint(result.checkpoint as TrainingCheckpoint);
    const outcome: TrainOutcome = {
      type: 'result',
      stopReason: result.stopReason,
      epoch: result.epoch,
      cost: result.cost,
      bestEpoch: result.bestEpoch,
      layers: result.layers,
      checkpoint: { epoch: result.checkpoint.epoch, state: checkpoint },
    };
    // Returned by structured clone: the model is small next to the dataset, which was transferred.
    return outcome;
  } catch (error) {
    flush();
    if (error instanceof EngineError && JOB_FAILURE_CODES.has(error.code)) {
      return { type: 'failure', code: error.code as 'TRAINING_DIVERGED', message: error.message };
    }
    throw error;
  } finally {
    port.postMessage({ type: 'end' });
    port.close();
  }
}
