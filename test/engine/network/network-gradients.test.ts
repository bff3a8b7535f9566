import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  Graph,
  LOSSES,
  Random,
  buildDenseGraph,
  jsKernels,
  type ActivationName,
  type LayerParameters,
  type LossName,
  type Matrix,
  type NetworkDefinition,
} from '../../../src/engine/index.js';
import {
  centralDifferences,
  expectClose,
  randomBits,
  randomMatrix,
  randomOneHot,
} from '../support/numeric.js';

/**
 * Whole dense networks checked through Graph.backward against central differences of the cost
 * (loss plus l2 penalty), for every activation and every loss, with and without l2.
 */

const ROWS = 5;
const TOLERANCE = 1e-6;
const STEP = 1e-5;

/** The output activation each loss is normally paired with. */
const OUTPUT_FOR: Record<LossName, ActivationName> = {
  meanSquaredError: 'linear',
  binaryCrossentropy: 'sigmoid',
  categoricalCrossentropy: 'softmax',
};

function randomTargets(random: Random, loss: LossName, rows: number, cols: number): Matrix {
  switch (loss) {
    case 'meanSquaredError':
      return randomMatrix(random, rows, cols);
    case 'binaryCrossentropy':
      return randomBits(random, rows, cols);
    case 'categoricalCrossentropy':
      return randomOneHot(random, rows, cols);
  }
}

function randomLayers(random: Random, definition: NetworkDefinition): LayerParameters[] {
  let inputs = definition.inputSize;
  return definition.layers.map((layer) => {
    const weights = {
      W: randomMatrix(random, inputs, layer.units),
      b: randomMatrix(random, 1, layer.units, -0.5, 0.5),
    };
    inputs = layer.units;
    return weights;
  });
}

function checkNetwork(definition: NetworkDefinition, l2: number, seed: number): void {
  const random = new Random(seed);
  const layers = randomLayers(random, definition);
  const graph = new Graph(jsKernels);
  const net = buildDenseGraph(graph, definition, layers, {
    rows: ROWS,
    withTargets: true,
    l2,
    inputsRequireGrad: true,
  });
  net.inputs.value.set(randomMatrix(random, ROWS, definition.inputSize, -2, 2).data);
  net.targets!.value.set(randomTargets(random, definition.loss, ROWS, net.outputs.cols).data);
  graph.forward();

  // Keep every relu kink out of reach of the finite-difference step: one step moves a
  // pre-activation by at most a few STEP here (inputs and weights are below 2 in size).
  for (const node of graph.nodes) {
    if (node.opName !== 'relu' && node.opName !== 'leakyRelu') continue;
    const nearest = Math.min(...Array.from(node.inputs[0].value, Math.abs));
    expect(nearest, 'a pre-activation sits on the kink: pick another seed').toBeGreaterThan(
      20 * STEP,
    );
  }

  graph.backward(net.cost!);
  const cost = () => {
    graph.forward();
    return net.cost!.value[0];
  };

  const leaves = [net.inputs, ...net.parameters.flatMap(({ W, b }) => [W, b])];
  for (const leaf of leaves) {
    const analytic = leaf.grad!.slice();
    expectClose(
      analytic,
      centralDifferences(cost, leaf.value, STEP),
      TOLERANCE,
      `∂cost/∂${leaf.name}`,
    );
  }
}

const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter((activation) => activation !== 'softmax');

describe('the gradient of a whole dense network', () => {
  for (const loss of LOSSES) {
    for (const hidden of HIDDEN_ACTIVATIONS) {
      for (const l2 of [0, 0.05]) {
        const output = OUTPUT_FOR[loss];
        const layout = `${hidden} hidden layers, ${output} output, ${loss}, l2 ${l2}`;
        it(`matches central differences for ${layout}`, () => {
          checkNetwork(
            {
              inputSize: 3,
              layers: [
                { units: 4, activation: hidden },
                { units: 3, activation: hidden, ...(hidden === 'leakyRelu' ? { alpha: 0.1 } : {}) },
                { units: 3, activation: output },
              ],
              loss,
            },
            l2,
            11,
          );
        });
      }
    }
  }

  for (const output of ACTIVATIONS) {
    for (const l2 of [0, 0.05]) {
      it(`matches central differences: ${output} output, meanSquaredError, l2 ${l2}`, () => {
        checkNetwork(
          {
            inputSize: 2,
            layers: [
              { units: 3, activation: 'tanh' },
              { units: 2, activation: output },
            ],
            loss: 'meanSquaredError',
          },
          l2,
          12,
        );
      });
    }
  }

  it('matches central differences for a sigmoid output under categoricalCrossentropy', () => {
    checkNetwork(
      {
        inputSize: 3,
        layers: [
          { units: 4, activation: 'relu' },
          { units: 3, activation: 'sigmoid' },
        ],
        loss: 'categoricalCrossentropy',
      },
      0.01,
      13,
    );
  });
});
