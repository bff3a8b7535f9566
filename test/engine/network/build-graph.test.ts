import { describe, expect, it } from 'vitest';
import {
  Graph,
  buildDenseGraph,
  jsKernels,
  matrixFromRows,
  type NetworkDefinition,
} from '../../../src/engine/index.js';
import { copyLayers } from '../support/runs.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

// A 2-2-1 network with hand-picked weights: W [inputs][units], b one entry per unit.
const definition: NetworkDefinition = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'meanSquaredError',
};
const layers = [
  {
    W: matrixFromRows([
      [0.5, -1],
      [2, 0.25],
    ]),
    b: matrixFromRows([[0.1, -0.2]]),
  },
  { W: matrixFromRows([[1.5], [-0.5]]), b: matrixFromRows([[0.3]]) },
];
const inputs = [
  [1, 2],
  [-1, 0.5],
];
const targets = [[1], [0]];

/** H = activation(X·W + b) layer by layer, written out by hand. */
function byHand([x0, x1]: number[]): number {
  const [first, second] = layers;
  const h1 = [0, 1].map((unit) =>
    Math.tanh(x0 * first.W.data[unit] + x1 * first.W.data[2 + unit] + first.b.data[unit]),
  );
  return sigmoid(h1[0] * second.W.data[0] + h1[1] * second.W.data[1] + second.b.data[0]);
}

function record(l2: number) {
  const graph = new Graph(jsKernels);
  const net = buildDenseGraph(graph, definition, layers, { rows: 2, withTargets: true, l2 });
  net.inputs.value.set(inputs.flat());
  net.targets!.value.set(targets.flat());
  graph.forward();
  return net;
}

describe('buildDenseGraph', () => {
  it('computes H = activation(X·W + b) for every layer', () => {
    const net = record(0);
    expect(net.outputs.value[0]).toBeCloseTo(byHand(inputs[0]), 15);
    expect(net.outputs.value[1]).toBeCloseTo(byHand(inputs[1]), 15);
  });

  it('makes the cost the loss alone when l2 is 0', () => {
    const net = record(0);
    const expected = ((byHand(inputs[0]) - 1) ** 2 + byHand(inputs[1]) ** 2) / 2;
    expect(net.loss!.value[0]).toBeCloseTo(expected, 15);
    expect(net.cost!.value[0]).toBe(net.loss!.value[0]);
  });

  it('adds l2 · Σ W² over every layer’s weights, not its biases, to the cost', () => {
    const net = record(0.1);
    const squares = 0.25 + 1 + 4 + 0.0625 + 2.25 + 0.25;
    expect(net.cost!.value[0]).toBeCloseTo(net.loss!.value[0] + 0.1 * squares, 15);
  });

  it('shares the parameter buffers, so an in-place update reaches the next forward pass', () => {
    const graph = new Graph(jsKernels);
    const own = copyLayers(layers);
    const net = buildDenseGraph(graph, definition, own, { rows: 1, withTargets: false });
    net.inputs.value.set(inputs[0]);
    graph.forward();
    const before = net.outputs.value[0];

    own[1].b.data[0] += 1;
    graph.forward();
    expect(net.outputs.value[0]).not.toBe(before);
    expect(net.parameters[1].b.value).toBe(own[1].b.data);
  });

  it('records no targets, loss or cost without targets, and no input gradient unless asked', () => {
    const graph = new Graph(jsKernels);
    const net = buildDenseGraph(graph, definition, layers, { rows: 3, withTargets: false });
    expect(net.targets).toBeUndefined();
    expect(net.cost).toBeUndefined();
    expect(net.inputs.grad).toBeNull();
    expect(net.outputs.shape).toEqual([3, 1]);
  });
});
