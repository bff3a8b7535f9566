import { restoreSlots, type OptimizerFactory } from './optimizer.js';

export interface SgdConfig {
  readonly type: 'sgd';
  readonly learningRate?: number;
}

/** Plain gradient descent, w ← w − learningRate · ∂cost/∂w. Stateless but for its step count. */
export const createSgd: OptimizerFactory<SgdConfig> = (config, _sizes, kernels) => {
  let iterations = 0;
  return {
    step(parameters, gradients) {
      for (let i = 0; i < parameters.length; i++) {
        kernels.sgdUpdate(parameters[i], gradients[i], config.learningRate);
      }
      iterations++;
    },
    state: () => ({ iterations, slots: [] }),
    restore(state) {
      // sgd has no slots; this still rejects the state of an optimizer that has some.
      restoreSlots([], state.slots);
      iterations = state.iterations;
    },
  };
};
