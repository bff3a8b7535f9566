import type { TrainingOptions } from '../engine/index.js';
import type { StoredTraining } from '../storage/records.js';

/** The engine's options for a stored job: the resolved options, with nulls as omissions. */
export function toEngineOptions(training: StoredTraining): TrainingOptions {
  return {
    epochs: training.epochs,
    batchSize: training.batchSize ?? undefined,
    optimizer: training.optimizer,
    seed: training.seed,
    shuffle: training.shuffle,
    validationSplit: training.validationSplit,
    earlyStopping: training.earlyStopping ?? undefined,
    targetCost: training.targetCost ?? undefined,
    l2: training.l2,
    timeLimitSeconds: training.timeLimitSeconds ?? undefined,
  };
}
