import { InvalidArgumentError } from '../errors.js';
import {
  resolveOptimizerConfig,
  type OptimizerConfig,
  type ResolvedOptimizerConfig,
} from '../optimizers/registry.js';

export interface EarlyStoppingOptions {
  /** The quantity that must keep improving: validationCost (default) or the training cost. */
  readonly monitor?: 'cost' | 'validationCost';
  /** Epochs without improvement to tolerate before stopping (TF.js default 0). */
  readonly patience?: number;
  /** The least decrease that counts as an improvement (TF.js default 0). */
  readonly minDelta?: number;
  /** On an early stop, return the weights of the best epoch rather than of the last. */
  readonly restoreBestWeights?: boolean;
}

export interface TrainingOptions {
  /** Epochs to train, counted from 1. */
  readonly epochs: number;
  /** Rows per step; omitted means every training row in one step (plain gradient descent). */
  readonly batchSize?: number;
  readonly optimizer: OptimizerConfig;
  /** Seeds the one PRNG behind initialization and shuffling. */
  readonly seed: number;
  /** Reshuffle the training rows before every epoch (TF.js default true). */
  readonly shuffle?: boolean;
  /** Fraction of rows, taken from the end before any shuffling, held out for validation. */
  readonly validationSplit?: number;
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Stop once an epoch's training cost is at or below this. */
  readonly targetCost?: number;
  /** Coefficient of the penalty l2·ΣW² added to the cost. */
  readonly l2?: number;
  /** Stop between two steps once this much training time has passed. */
  readonly timeLimitSeconds?: number;
}

/** Options with every default applied: what a run actually used. */
export interface ResolvedTrainingOptions {
  readonly epochs: number;
  readonly batchSize: number | null;
  readonly optimizer: ResolvedOptimizerConfig;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly validationSplit: number;
  readonly earlyStopping: Required<EarlyStoppingOptions> | null;
  readonly targetCost: number | null;
  readonly l2: number;
  readonly timeLimitSeconds: number | null;
}

/** Checks the options an engine run needs and fills in defaults; throws InvalidArgumentError. */
export function resolveTrainingOptions(options: TrainingOptions): ResolvedTrainingOptions {
  requireInteger('epochs', options.epochs, 1);
  if (options.batchSize !== undefined) requireInteger('batchSize', options.batchSize, 1);
  requireInteger('seed', options.seed, 0);
  const validationSplit = options.validationSplit ?? 0;
  if (!(validationSplit >= 0 && validationSplit < 1)) {
    throw new InvalidArgumentError('validationSplit', 'must be at least 0 and below 1');
  }
  const l2 = options.l2 ?? 0;
  if (!(l2 >= 0 && Number.isFinite(l2)))
    throw new InvalidArgumentError('l2', 'must be a finite number ≥ 0');
  if (options.timeLimitSeconds !== undefined && !(options.timeLimitSeconds > 0)) {
    throw new InvalidArgumentError('timeLimitSeconds', 'must be positive');
  }

  const stopping = options.earlyStopping;
  const earlyStopping = stopping
    ? {
        monitor: stopping.monitor ?? 'validationCost',
        patience: stopping.patience ?? 0,
        minDelta: stopping.minDelta ?? 0,
        restoreBestWeights: stopping.restoreBestWeights ?? false,
      }
    : null;
  if (earlyStopping?.monitor === 'validationCost' && validationSplit === 0) {
    throw new InvalidArgumentError(
      'earlyStopping.monitor',
      'validationCost needs a validationSplit above 0',
    );
  }
  if (earlyStopping) requireInteger('earlyStopping.patience', earlyStopping.patience, 0);
  if (earlyStopping && !(earlyStopping.minDelta >= 0 && Number.isFinite(earlyStopping.minDelta))) {
    throw new InvalidArgumentError('earlyStopping.minDelta', 'must be a finite number ≥ 0');
  }

  return {
    epochs: options.epochs,
    batchSize: options.batchSize ?? null,
    optimizer: resolveOptimizerConfig(options.optimizer),
    seed: options.seed,
    shuffle: options.shuffle ?? true,
    validationSplit,
    earlyStopping,
    targetCost: options.targetCost ?? null,
    l2,
    timeLimitSeconds: options.timeLimitSeconds ?? null,
  };
}

function requireInteger(path: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(path, `must be an integer ≥ ${min}`);
  }
}
