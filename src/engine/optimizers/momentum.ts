import { copySlots, createSlots, restoreSlots, type OptimizerFactory } from './optimizer.js';

export interface MomentumConfig {
  readonly type: 'momentum';
  readonly learningRate?: number;
  readonly momentum?: number;
  readonly useNesterov?: boolean;
}

/** TF.js's MomentumOptimizer: one accumulation slot per parameter (kernels.momentumUpdate). */
export const createMomentum: OptimizerFactory<MomentumConfig> = (config, sizes, kernels) => {
  let iterations = 0;
  const accumulations = createSlots(sizes, 1);
  return {
    step(parameters, gradients) {
      for (let i = 0; i < parameters.length; i++) {
        kernels.momentumUpdate(
          parameters[i],
          gradients[i],
          accumulations[i],
          config.learningRate,
          config.momentum,
          config.useNesterov,
        );
      }
      iterations++;
    },
    state: () => ({ iterations, slots: copySlots(accumulations) }),
    restore(state) {
      restoreSlots(accumulations, state.slots);
      iterations = state.iterations;
    },
  };
};
