import { describe, expect, it } from 'vitest';
import {
  EngineError,
  InvalidArgumentError,
  OPTIMIZERS,
  OPTIMIZER_DEFAULTS,
  Random,
  createOptimizer,
  jsKernels,
  resolveOptimizerConfig,
  type OptimizerConfig,
} from '../../../src/engine/index.js';
import { expectSameBlocks } from '../support/runs.js';

const SIZES = [6, 3, 4];
const CONFIGS: OptimizerConfig[] = [
  ...OPTIMIZERS.map((type) => ({ type }) as OptimizerConfig),
  { type: 'momentum', useNesterov: true },
  { type: 'rmsprop', centered: true, momentum: 0.5 },
];

/** Fresh parameters and a fixed sequence of gradients to feed an optimizer. */
function fixture(seed: number) {
  const random = new Random(seed);
  const values = (size: number) =>
    Float64Array.from({ length: size }, () => random.uniformBetween(-1, 1));
  const draw = () => SIZES.map(values);
  const parameters = draw();
  const gradients = Array.from({ length: 8 }, draw);
  return { parameters, gradients };
}

describe('optimizer state', () => {
  for (const config of CONFIGS) {
    it(`lets ${JSON.stringify(config)} continue exactly from a saved state`, () => {
      const { parameters, gradients } = fixture(1);
      const original = createOptimizer(config, SIZES, jsKernels);
      gradients.slice(0, 3).forEach((step) => original.step(parameters, step));
      const saved = original.state();
      const savedParameters = parameters.map((block) => block.slice());

      gradients.slice(3).forEach((step) => original.step(parameters, step));

      const resumed = createOptimizer(config, SIZES, jsKernels);
      resumed.restore(saved);
      gradients.slice(3).forEach((step) => resumed.step(savedParameters, step));
      expectSameBlocks(savedParameters, parameters);
      expect(resumed.state().iterations).toBe(8);
    });
  }

  it('hands out a copy of its state, not its live slots', () => {
    const { parameters, gradients } = fixture(2);
    const optimizer = createOptimizer({ type: 'adam' }, SIZES, jsKernels);
    optimizer.step(parameters, gradients[0]);
    const state = optimizer.state();
    const copy = state.slots.map((slot) => slot.slice());
    optimizer.step(parameters, gradients[1]);
    expectSameBlocks(state.slots, copy);
  });

  it.each([
    ['adam', 'sgd'],
    ['rmsprop', 'centered rmsprop'],
    ['momentum', 'adam'],
  ] as const)('rejects the state of %s in %s with CHECKPOINT_MISMATCH', (from, to) => {
    // Only a state whose slots do not fit is detectable: adam's and rmsprop's have the same
    // layout, and the state does not record which optimizer wrote it.
    const config = (name: string): OptimizerConfig =>
      name === 'centered rmsprop'
        ? { type: 'rmsprop', centered: true }
        : ({ type: name } as OptimizerConfig);
    const state = createOptimizer(config(from), SIZES, jsKernels).state();
    const target = createOptimizer(config(to), SIZES, jsKernels);
    let thrown: unknown;
    try {
      target.restore(state);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect((thrown as EngineError).code).toBe('CHECKPOINT_MISMATCH');
  });
});

describe('resolveOptimizerConfig', () => {
  it('fills every omitted field from the defaults and keeps the given ones', () => {
    expect(resolveOptimizerConfig({ type: 'adam', learningRate: 0.1 })).toEqual({
      ...OPTIMIZER_DEFAULTS.adam,
      learningRate: 0.1,
    });
    expect(
      resolveOptimizerConfig({ type: 'rmsprop', centered: true, momentum: undefined }),
    ).toEqual({ ...OPTIMIZER_DEFAULTS.rmsprop, centered: true });
  });

  it('rejects an unknown optimizer with VALIDATION_FAILED at optimizer.type', () => {
    const unknown = { type: 'adadelta' } as unknown as OptimizerConfig;
    expect(() => resolveOptimizerConfig(unknown)).toThrow(InvalidArgumentError);
    expect(() => resolveOptimizerConfig(unknown)).toThrow(/optimizer\.type/);
  });
});
