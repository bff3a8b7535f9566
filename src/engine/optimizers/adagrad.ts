import { copySlots, createSlots, restoreSlots, type OptimizerFactory } from './optimizer.js';

export interface AdagradConfig {
  readonly type: 'adagrad';
  readonly learningRate?: number;
  readonly initialAccumulatorValue?: number;
}

/** TF.js's fuzz factor, which its AdagradOptimizer adds under the square root. */
const ADAGRAD_EPSILON = 1e-7;

/** TF.js's AdagradOptimizer: one accumulator per parameter, starting at initialAccumulatorValue. */
export const createAdagrad: OptimizerFactory<AdagradConfig> = (config, sizes, kernels) => {
  let iterations = 0;
  const accumulators = createSlots(sizes, 1, config.initialAccumulatorValue);
  return {
    step(parameters, gradients) {
      for (let i = 0; i < parameters.length; i++) {
        kernels.adagradUpdate(
          parameters[i],
          gradients[i],
          accumulators[i],
          config.learningRate,
          ADAGRAD_EPSILON,
        );
      }
      iterations++;
    },
    state: () => ({ iterations, slots: copySlots(accumulators) }),
    restore(state) {
      restoreSlots(accumulators, state.slots);
      iterations = state.iterations;
    },
  };
};
