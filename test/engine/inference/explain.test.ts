import { describe, expect, it } from 'vitest';
import {
  Random,
  ShapeMismatchError,
  createPredictor,
  explainGradients,
  initializeParameters,
  matrixFromRows,
  type LayerParameters,
  type Matrix,
  type NetworkDefinition,
} from '../../../src/engine/index.js';
import { centralDifferences, expectClose, randomMatrix, randomOneHot } from '../support/numeric.js';
import { copyLayers } from '../support/runs.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('explainGradients', () => {
  it('gives every node’s value and gradient, as the chain rule gives them by hand', () => {
    // x → z₁ = x·w₁ + b₁ → h = σ(z₁) → f = h·w₂ + b₂ (linear), cost = (f − y)².
    const [x, w1, b1, w2, b2, y] = [0.5, -1.5, 0.25, 2, -0.5, 1];
    const explanation = explainGradients({
      definition: {
        inputSize: 1,
        layers: [
          { units: 1, activation: 'sigmoid' },
          { units: 1, activation: 'linear' },
        ],
        loss: 'meanSquaredError',
      },
      layers: [
        { W: matrixFromRows([[w1]]), b: matrixFromRows([[b1]]) },
        { W: matrixFromRows([[w2]]), b: matrixFromRows([[b2]]) },
      ],
      inputs: matrixFromRows([[x]]),
      targets: matrixFromRows([[y]]),
    });

    const z1 = x * w1 + b1;
    const h = sigmoid(z1);
    const f = h * w2 + b2;
    const dCost = 1;
    const dF = 2 * (f - y) * dCost;
    const dH = dF * w2;
    const dZ1 = dH * h * (1 - h);
    const byName = (name: string) => explanation.nodes.find((node) => node.name === name)!;
    const single = (rows: number[][] | null) => rows![0][0];

    expect(explanation.cost).toBeCloseTo((f - y) ** 2, 15);
    expect(single(byName('layer1').value)).toBeCloseTo(h, 15);
    expect(single(byName('layer1').gradient)).toBeCloseTo(dH, 15);
    expect(single(byName('layer2').value)).toBeCloseTo(f, 15);
    expect(single(byName('layer2').gradient)).toBeCloseTo(dF, 15);
    expect(single(byName('layer1/W').gradient)).toBeCloseTo(dZ1 * x, 15);
    expect(single(byName('layer1/b').gradient)).toBeCloseTo(dZ1, 15);
    expect(single(byName('layer2/W').gradient)).toBeCloseTo(dF * h, 15);
    expect(single(byName('inputs').gradient)).toBeCloseTo(dZ1 * w1, 15);
    expect(explanation.gradients.inputs[0][0]).toBeCloseTo(dZ1 * w1, 15);
    expect(byName('targets').gradient).toBeNull();

    for (const node of explanation.nodes) {
      expect(node.value).toHaveLength(node.shape[0]);
      expect(node.value[0]).toHaveLength(node.shape[1]);
      if (node.gradient)
        expect([node.gradient.length, node.gradient[0].length]).toEqual(node.shape);
    }
  });

  const network: NetworkDefinition = {
    inputSize: 3,
    layers: [
      { units: 4, activation: 'tanh' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  };
  const random = new Random(12);
  const layers = initializeParameters(network, random);
  const inputs = randomMatrix(random, 5, 3);
  const targets = randomOneHot(random, 5, 3);

  /** Central differences of `f` w.r.t. every parameter and input, in the explanation's layout. */
  function numericGradients(f: (layers: LayerParameters[], inputs: Matrix) => number) {
    const own = copyLayers(layers);
    const ownInputs = { ...inputs, data: inputs.data.slice() };
    const at = () => f(own, ownInputs);
    return {
      inputs: centralDifferences(at, ownInputs.data),
      layers: own.map(({ W, b }) => ({
        W: centralDifferences(at, W.data),
        b: centralDifferences(at, b.data),
      })),
    };
  }

  function expectGradients(
    actual: ReturnType<typeof explainGradients>['gradients'],
    expected: ReturnType<typeof numericGradients>,
  ): void {
    expectClose(actual.inputs.flat(), expected.inputs, 1e-7, '∂/∂inputs');
    actual.layers.forEach(({ W, b }, index) => {
      expectClose(W.flat(), expected.layers[index].W, 1e-7, `∂/∂W${index + 1}`);
      expectClose(b, expected.layers[index].b, 1e-7, `∂/∂b${index + 1}`);
    });
  }

  it('differentiates the cost, l2 included, when targets are given', () => {
    const l2 = 0.05;
    const explanation = explainGradients({ definition: network, layers, inputs, targets, l2 });
    const cost = (own: LayerParameters[], ownInputs: Matrix) =>
      explainGradients({ definition: network, layers: own, inputs: ownInputs, targets, l2 }).cost!;
    expectGradients(explanation.gradients, numericGradients(cost));
  });

  it('differentiates the sum of the outputs when no targets are given', () => {
    const explanation = explainGradients({ definition: network, layers, inputs });
    expect(explanation.cost).toBeUndefined();
    const total = (own: LayerParameters[], ownInputs: Matrix) =>
      createPredictor(network, own)
        .predict(ownInputs)
        .data.reduce((sum, value) => sum + value, 0);
    expectGradients(explanation.gradients, numericGradients(total));
    // Softmax rows sum to 1 whatever the weights, so every gradient here is (numerically) 0:
    // check a network whose output sum does depend on them too.
    const linear: NetworkDefinition = {
      ...network,
      layers: [network.layers[0], { units: 3, activation: 'sigmoid' }],
    };
    const linearExplanation = explainGradients({ definition: linear, layers, inputs });
    const linearTotal = (own: LayerParameters[], ownInputs: Matrix) =>
      createPredictor(linear, own)
        .predict(ownInputs)
        .data.reduce((sum, value) => sum + value, 0);
    expectGradients(linearExplanation.gradients, numericGradients(linearTotal));
  });

  it('leaves the caller’s weights untouched', () => {
    const before = layers.map(({ W }) => W.data.slice());
    explainGradients({ definition: network, layers, inputs, targets });
    layers.forEach(({ W }, index) => expect(W.data).toEqual(before[index]));
  });

  it('rejects inputs of the wrong width, with or without targets', () => {
    // 5 × 1 inputs hold fewer values than the 5 × 3 the network reads.
    const narrow = { rows: 3, cols: 1, data: Float64Array.of(1, 2, 3) };
    const request = { definition: network, layers, inputs: narrow };
    expect(() => explainGradients(request)).toThrow(ShapeMismatchError);
    expect(() => explainGradients(request)).toThrow(/\[3, 1\] and \[3, 3\]/);
    expect(() => explainGradients({ ...request, targets: randomOneHot(random, 3, 3) })).toThrow(
      ShapeMismatchError,
    );
  });
});
