import { InvalidArgumentError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import { createAdagrad, type AdagradConfig } from './adagrad.js';
import { createAdam, type AdamConfig } from './adam.js';
import { createMomentum, type MomentumConfig } from './momentum.js';
import type { Optimizer } from './optimizer.js';
import { createRmsprop, type RmspropConfig } from './rmsprop.js';
import { createSgd, type SgdConfig } from './sgd.js';

export type OptimizerConfig =
  SgdConfig | MomentumConfig | AdamConfig | RmspropConfig | AdagradConfig;
export type OptimizerName = OptimizerConfig['type'];
export type ResolvedOptimizerConfig = {
  [C in OptimizerConfig as C['type']]: Required<C>;
}[OptimizerName];

export const OPTIMIZERS = [
  'sgd',
  'momentum',
  'adam',
  'rmsprop',
  'adagrad',
] as const satisfies readonly OptimizerName[];

/**
 * Defaults per optimizer: TF.js's where it has one (adam, rmsprop, adagrad); Keras's for the
 * learning rates and momentum that TF.js makes the caller pass (sgd 0.01, momentum 0.9).
 */
export const OPTIMIZER_DEFAULTS: {
  [N in OptimizerName]: Required<Extract<OptimizerConfig, { type: N }>>;
} = {
  sgd: { type: 'sgd', learningRate: 0.01 },
  momentum: { type: 'momentum', learningRate: 0.01, momentum: 0.9, useNesterov: false },
  adam: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: {
    type: 'rmsprop',
    learningRate: 0.001,
    decay: 0.9,
    momentum: 0,
    epsilon: 1e-7,
    centered: false,
  },
  adagrad: { type: 'adagrad', learningRate: 0.01, initialAccumulatorValue: 0.1 },
};

/** The config with every omitted field set to its default; throws on an unknown type. */
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig {
  // The service validates first, but the engine must not fail later with a TypeError (or build
  // no optimizer at all) when called with a type it does not know.
  if (!(OPTIMIZERS as readonly string[]).includes(config.type)) {
    throw new InvalidArgumentError('optimizer.type', `unknown optimizer ${config.type}`);
  }
  const defaults = OPTIMIZER_DEFAULTS[config.type];
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(config)) if (value !== undefined) resolved[key] = value;
  return resolved as ResolvedOptimizerConfig;
}

/** An optimizer over parameters of the given sizes. */
export function createOptimizer(
  config: OptimizerConfig,
  sizes: readonly number[],
  kernels: Kernels,
): Optimizer {
  const resolved = resolveOptimizerConfig(config);
  switch (resolved.type) {
    case 'sgd':
      return createSgd(resolved, sizes, kernels);
    case 'momentum':
      return createMomentum(resolved, sizes, kernels);
    case 'adam':
      return createAdam(resolved, sizes, kernels);
    case 'rmsprop':
      return createRmsprop(resolved, sizes, kernels);
    case 'adagrad':
      return createAdagrad(resolved, sizes, kernels);
  }
}
