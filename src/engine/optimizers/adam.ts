import { copySlots, createSlots, restoreSlots, type OptimizerFactory } from './optimizer.js';

export interface AdamConfig {
  readonly type: 'adam';
  readonly learningRate?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/**
 * TF.js's AdamOptimizer: first and second moment slots per parameter, bias-corrected by
 * 1 − β₁ᵗ and 1 − β₂ᵗ at step t (counted from 1). The powers are recomputed from the step
 * count rather than carried as running products, so a restored state continues exactly.
 */
export const createAdam: OptimizerFactory<AdamConfig> = (config, sizes, kernels) => {
  let iterations = 0;
  const slots = createSlots(sizes, 2);
  return {
    step(parameters, gradients) {
      const t = iterations + 1;
      const correction1 = 1 - config.beta1 ** t;
      const correction2 = 1 - config.beta2 ** t;
      for (let i = 0; i < parameters.length; i++) {
        kernels.adamUpdate(
          parameters[i],
          gradients[i],
          slots[2 * i],
          slots[2 * i + 1],
          config.learningRate,
          config.beta1,
          config.beta2,
          config.epsilon,
          correction1,
          correction2,
        );
      }
      iterations = t;
    },
    state: () => ({ iterations, slots: copySlots(slots) }),
    restore(state) {
      restoreSlots(slots, state.slots);
      iterations = state.iterations;
    },
  };
};
