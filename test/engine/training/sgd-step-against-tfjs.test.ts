import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  LOSSES,
  Random,
  Trainer,
  type ActivationName,
  type LayerParameters,
  type LossName,
  type Matrix,
  type NetworkDefinition,
} from '../../../src/engine/index.js';
import {
  expectClose,
  largestMagnitude,
  randomBits,
  randomMatrix,
  randomOneHot,
} from '../support/numeric.js';
import {
  buildTfjsModel,
  tf,
  tfjsWeights,
  trainTfjs,
  useTfjsCpu,
} from '../support/tfjs-reference.js';

/**
 * One full-batch sgd step from given weights must equal W − learningRate·∂cost/∂W as TF.js
 * computes it. TF.js works in float32, so every starting value is first rounded to float32
 * (both sides then start from the same numbers) and results are compared to 1e-5 relative.
 */

const LEARNING_RATE = 0.5;
const ROWS = 6;

const OUTPUT_FOR: Record<LossName, ActivationName> = {
  meanSquaredError: 'linear',
  binaryCrossentropy: 'sigmoid',
  categoricalCrossentropy: 'softmax',
};

const toFloat32 = (matrix: Matrix): Matrix => ({ ...matrix, data: matrix.data.map(Math.fround) });

function randomTargets(random: Random, loss: LossName, cols: number): Matrix {
  switch (loss) {
    case 'meanSquaredError':
      return randomMatrix(random, ROWS, cols);
    case 'binaryCrossentropy':
      return randomBits(random, ROWS, cols);
    case 'categoricalCrossentropy':
      return randomOneHot(random, ROWS, cols);
  }
}

function randomLayers(random: Random, definition: NetworkDefinition): LayerParameters[] {
  let inputs = definition.inputSize;
  return definition.layers.map((layer) => {
    const W = toFloat32(randomMatrix(random, inputs, layer.units));
    const b = toFloat32(randomMatrix(random, 1, layer.units, -0.5, 0.5));
    inputs = layer.units;
    return { W, b };
  });
}

async function compareOneStep(
  definition: NetworkDefinition,
  l2: number,
  seed: number,
): Promise<void> {
  const random = new Random(seed);
  const layers = randomLayers(random, definition);
  const inputs = toFloat32(randomMatrix(random, ROWS, definition.inputSize, -2, 2));
  const targets = randomTargets(random, definition.loss, definition.layers.at(-1)!.units);

  const history: number[] = [];
  const ours = new Trainer(
    definition,
    { inputs, targets },
    {
      epochs: 1,
      optimizer: { type: 'sgd', learningRate: LEARNING_RATE },
      seed,
      shuffle: false,
      l2,
    },
    { initialLayers: layers },
  ).run({ onEpoch: (report) => history.push(report.cost) });

  const model = buildTfjsModel(definition, layers, l2);
  const [tfjsCost] = await trainTfjs(
    model,
    tf.train.sgd(LEARNING_RATE),
    definition.loss,
    inputs,
    targets,
    1,
  );
  const reference = tfjsWeights(model);
  model.dispose();

  expectClose([history[0]], [tfjsCost], 1e-5, 'cost before the step');

  const before = layers.flatMap(({ W, b }) => [W.data, b.data]);
  const after = ours.layers.flatMap(({ W, b }) => [W.data, b.data]);
  let largestStep = 0;
  after.forEach((values, index) => {
    const label = `${index % 2 === 0 ? 'W' : 'b'}${Math.floor(index / 2) + 1}`;
    expectClose(values, reference[index], 1e-5, label);

    // The steps themselves, W_new − W, must agree closely too; this is what a wrong gradient
    // would change, and it is far larger than float32 rounding.
    const ourStep = values.map((value, i) => value - before[index][i]);
    const tfjsStep = reference[index].map((value, i) => value - before[index][i]);
    const scale = Math.max(largestMagnitude(tfjsStep), 1e-3);
    expectClose(
      ourStep.map((value) => value / scale),
      tfjsStep.map((value) => value / scale),
      1e-3,
      `step of ${label}`,
    );
    largestStep = Math.max(largestStep, largestMagnitude(tfjsStep));
  });
  expect(largestStep, 'the step must be large enough to show a wrong gradient').toBeGreaterThan(
    1e-2,
  );
}

const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter((activation) => activation !== 'softmax');

describe('one full-batch sgd step', () => {
  beforeAll(useTfjsCpu);

  let seed = 100;
  for (const loss of LOSSES) {
    for (const hidden of HIDDEN_ACTIVATIONS) {
      for (const l2 of [0, 0.01]) {
        const output = OUTPUT_FOR[loss];
        const caseSeed = seed++;
        const layout = `${hidden} hidden layers, ${output} output, ${loss}, l2 ${l2}`;
        it(`equals TF.js for ${layout}`, async () => {
          await compareOneStep(
            {
              inputSize: 4,
              layers: [
                { units: 5, activation: hidden },
                { units: 4, activation: hidden, ...(hidden === 'leakyRelu' ? { alpha: 0.1 } : {}) },
                { units: 3, activation: output },
              ],
              loss,
            },
            l2,
            caseSeed,
          );
        });
      }
    }
  }

  for (const output of ACTIVATIONS) {
    const caseSeed = seed++;
    it(`equals TF.js for a ${output} output layer under meanSquaredError`, async () => {
      await compareOneStep(
        {
          inputSize: 3,
          layers: [
            { units: 4, activation: 'sigmoid' },
            { units: 2, activation: output },
          ],
          loss: 'meanSquaredError',
        },
        0.01,
        caseSeed,
      );
    });
  }

  it('equals TF.js for a sigmoid output under categoricalCrossentropy', async () => {
    await compareOneStep(
      {
        inputSize: 3,
        layers: [
          { units: 4, activation: 'tanh' },
          { units: 3, activation: 'sigmoid' },
        ],
        loss: 'categoricalCrossentropy',
      },
      0,
      7,
    );
  });
});
