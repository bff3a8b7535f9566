import { copySlots, createSlots, restoreSlots, type OptimizerFactory } from './optimizer.js';

export interface RmspropConfig {
  readonly type: 'rmsprop';
  readonly learningRate?: number;
  readonly decay?: number;
  readonly momentum?: number;
  readonly epsilon?: number;
  readonly centered?: boolean;
}

/**
 * TF.js's RMSPropOptimizer: mean-square and moment slots, plus a mean-gradient slot if
 * centered.
 */
export const createRmsprop: OptimizerFactory<RmspropConfig> = (config, sizes, kernels) => {
  let iterations = 0;
  const slots = createSlots(sizes, config.centered ? 3 : 2);
  const width = config.centered ? 3 : 2;
  return {
    step(parameters, gradients) {
      for (let i = 0; i < parameters.length; i++) {
        const meanGrad = config.centered ? slots[width * i + 2] : null;
        kernels.rmspropUpdate(
          parameters[i],
          gradients[i],
          slots[width * i],
          slots[width * i + 1],
          meanGrad,
          config.learningRate,
          config.decay,
          config.momentum,
          config.epsilon,
        );
      }
      iterations++;
    },
    state: () => ({ iterations, slots: copySlots(slots) }),
    restore(state) {
      restoreSlots(slots, state.slots);
      iterations = state.iterations;
    },
  };
};
