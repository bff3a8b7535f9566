import { beforeAll, describe, expect, it } from 'vitest';
import {
  OPTIMIZER_DEFAULTS,
  Random,
  Trainer,
  type LayerParameters,
  type Matrix,
  type NetworkDefinition,
  type OptimizerConfig,
} from '../../../src/engine/index.js';
import { expectClose, randomBits, randomMatrix } from '../support/numeric.js';
import {
  buildTfjsModel,
  tf,
  tfjsWeights,
  trainTfjs,
  useTfjsCpu,
} from '../support/tfjs-reference.js';

/**
 * A few full-batch steps of each optimizer against TF.js's tf.train.* optimizer with the same
 * settings, from the same float32 starting point. Our centered rmsprop deliberately differs
 * (see rmspropUpdate in js-kernels.ts) and is checked by hand in the kernel tests instead.
 */

const STEPS = 6;
const ROWS = 8;
const definition: NetworkDefinition = {
  inputSize: 3,
  layers: [
    { units: 5, activation: 'tanh' },
    { units: 2, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};

const toFloat32 = (matrix: Matrix): Matrix => ({ ...matrix, data: matrix.data.map(Math.fround) });

function startingPoint(seed: number) {
  const random = new Random(seed);
  const layers: LayerParameters[] = [
    {
      W: toFloat32(randomMatrix(random, 3, 5)),
      b: toFloat32(randomMatrix(random, 1, 5, -0.5, 0.5)),
    },
    {
      W: toFloat32(randomMatrix(random, 5, 2)),
      b: toFloat32(randomMatrix(random, 1, 2, -0.5, 0.5)),
    },
  ];
  const inputs = toFloat32(randomMatrix(random, ROWS, 3, -2, 2));
  const targets = randomBits(random, ROWS, 2);
  return { layers, inputs, targets };
}

interface Comparison {
  readonly name: string;
  readonly ours: OptimizerConfig;
  readonly tfjs: () => tf.Optimizer;
}

// TF.js makes the caller pass the learning rate (and momentum); everything else is left to each
// side's defaults, so a default that differs from TF.js's fails here too.
const COMPARISONS: Comparison[] = [
  { name: 'sgd', ours: { type: 'sgd', learningRate: 0.3 }, tfjs: () => tf.train.sgd(0.3) },
  {
    name: 'momentum',
    ours: { type: 'momentum', learningRate: 0.1, momentum: 0.8 },
    tfjs: () => tf.train.momentum(0.1, 0.8),
  },
  {
    name: 'momentum with Nesterov',
    ours: { type: 'momentum', learningRate: 0.1, momentum: 0.8, useNesterov: true },
    tfjs: () => tf.train.momentum(0.1, 0.8, true),
  },
  { name: 'adam', ours: { type: 'adam', learningRate: 0.05 }, tfjs: () => tf.train.adam(0.05) },
  {
    name: 'adam with its betas and epsilon set',
    ours: { type: 'adam', learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-4 },
    tfjs: () => tf.train.adam(0.05, 0.8, 0.99, 1e-4),
  },
  {
    name: 'rmsprop',
    ours: { type: 'rmsprop', learningRate: 0.02 },
    tfjs: () => tf.train.rmsprop(0.02),
  },
  {
    name: 'rmsprop with momentum',
    ours: { type: 'rmsprop', learningRate: 0.02, decay: 0.8, momentum: 0.5 },
    tfjs: () => tf.train.rmsprop(0.02, 0.8, 0.5),
  },
  {
    name: 'adagrad',
    ours: { type: 'adagrad', learningRate: 0.2 },
    tfjs: () => tf.train.adagrad(0.2),
  },
  {
    name: 'adagrad with its initial accumulator set',
    ours: { type: 'adagrad', learningRate: 0.2, initialAccumulatorValue: 0.5 },
    tfjs: () => tf.train.adagrad(0.2, 0.5),
  },
];

describe('optimizers against TF.js', () => {
  beforeAll(useTfjsCpu);

  COMPARISONS.forEach(({ name, ours, tfjs }, index) => {
    it(`${name} takes the same ${STEPS} steps as TF.js`, async () => {
      const { layers, inputs, targets } = startingPoint(300 + index);

      const costs: number[] = [];
      const result = new Trainer(
        definition,
        { inputs, targets },
        { epochs: STEPS, optimizer: ours, seed: 1, shuffle: false },
        { initialLayers: layers },
      ).run({ onEpoch: (report) => costs.push(report.cost) });

      const model = buildTfjsModel(definition, layers);
      const tfjsCosts = await trainTfjs(model, tfjs(), definition.loss, inputs, targets, STEPS);
      const reference = tfjsWeights(model);
      model.dispose();

      expectClose(costs, tfjsCosts, 1e-5, 'cost per step');
      result.layers
        .flatMap(({ W, b }) => [W.data, b.data])
        .forEach((values, slot) => {
          expectClose(values, reference[slot], 1e-5, `parameter block ${slot}`);
        });
      // The run must have moved: identical weights would also match a no-op optimizer.
      expect(Math.abs(costs[STEPS - 1] - costs[0])).toBeGreaterThan(1e-3);
    });
  });
});

describe('OPTIMIZER_DEFAULTS', () => {
  beforeAll(useTfjsCpu);

  it('match TF.js: adam’s betas and epsilon, rmsprop’s, adagrad’s accumulator', () => {
    expect(tf.train.adam().getConfig()).toEqual({
      learningRate: OPTIMIZER_DEFAULTS.adam.learningRate,
      beta1: OPTIMIZER_DEFAULTS.adam.beta1,
      beta2: OPTIMIZER_DEFAULTS.adam.beta2,
      epsilon: OPTIMIZER_DEFAULTS.adam.epsilon,
    });
    const rmsprop = tf.train.rmsprop(0.001).getConfig();
    expect(rmsprop).toMatchObject({
      decay: OPTIMIZER_DEFAULTS.rmsprop.decay,
      momentum: OPTIMIZER_DEFAULTS.rmsprop.momentum,
      epsilon: OPTIMIZER_DEFAULTS.rmsprop.epsilon,
      centered: OPTIMIZER_DEFAULTS.rmsprop.centered,
    });
    expect(tf.train.adagrad(0.01).getConfig()).toMatchObject({
      initialAccumulatorValue: OPTIMIZER_DEFAULTS.adagrad.initialAccumulatorValue,
    });
    expect(tf.train.momentum(0.01, 0.9).getConfig()).toMatchObject({
      useNesterov: OPTIMIZER_DEFAULTS.momentum.useNesterov,
    });
  });
});
