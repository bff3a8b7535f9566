import { describe, expect, it } from 'vitest';
import {
  Graph,
  Random,
  buildDenseGraph,
  countParameters,
  createPredictor,
  describeGraph,
  describeNetworkGraph,
  initializeParameters,
  jsKernels,
  matrixFromRows,
  matrixToRows,
  zerosMatrix,
  type NetworkDefinition,
} from '../../src/engine/index.js';

const NETWORK: NetworkDefinition = {
  inputSize: 3,
  layers: [
    { units: 8, activation: 'leakyRelu', alpha: 0.1 },
    { units: 4, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

function rows(count: number, width: number, seed = 1): number[][] {
  const random = new Random(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: width }, () => random.uniformBetween(-3, 3)),
  );
}

/** The outputs of one plain forward pass over all rows at once, on a graph recorded that tall. */
function forwardAtOnce(
  network: NetworkDefinition,
  layers: ReturnType<typeof initializeParameters>,
  inputs: number[][],
) {
  const graph = new Graph(jsKernels);
  const net = buildDenseGraph(graph, network, layers, { rows: inputs.length, withTargets: false });
  net.inputs.value.set(matrixFromRows(inputs).data);
  graph.forward();
  return matrixToRows({ rows: inputs.length, cols: net.outputs.cols, data: net.outputs.value });
}

describe('createPredictor', () => {
  it('predicts as one pass over the whole batch does, for batches crossing chunk borders', () => {
    const layers = initializeParameters(NETWORK, new Random(4));
    const predictor = createPredictor(NETWORK, layers, jsKernels);

    for (const count of [1, 3, 1024, 1500]) {
      const inputs = rows(count, 3, count);
      expect(matrixToRows(predictor.predict(matrixFromRows(inputs)))).toEqual(
        forwardAtOnce(NETWORK, layers, inputs),
      );
    }
  });

  it('gives a row the same output in any batch, so padding rows never leak in', () => {
    const predictor = createPredictor(
      NETWORK,
      initializeParameters(NETWORK, new Random(4)),
      jsKernels,
    );
    const inputs = rows(5, 3);

    const together = matrixToRows(predictor.predict(matrixFromRows(inputs)));
    const three = matrixToRows(predictor.predict(matrixFromRows(inputs.slice(0, 3))));
    const alone = inputs.map((row) => matrixToRows(predictor.predict(matrixFromRows([row])))[0]);

    expect(three).toEqual(together.slice(0, 3));
    expect(alone).toEqual(together);
  });

  it('shortens chunks for wide networks, keeping memory near the weights plus 16 MiB', () => {
    const wide: NetworkDefinition = {
      inputSize: 4,
      layers: [
        { units: 3000, activation: 'relu' },
        { units: 2, activation: 'linear' },
      ],
      loss: 'meanSquaredError',
    };
    const layers = initializeParameters(wide, new Random(2));
    const predictor = createPredictor(wide, layers, jsKernels);
    const inputs = rows(300, 4);

    // 4 + 3 × 3002 values a row: 2²⁰ of them fit 116 rows, so chunks of 64.
    expect(predictor.chunkRows).toBe(64);
    expect(predictor.footprintBytes).toBeLessThanOrEqual(8 * (countParameters(wide) + 2 * 2 ** 20));
    expect(matrixToRows(predictor.predict(matrixFromRows(inputs)))).toEqual(
      forwardAtOnce(wide, layers, inputs),
    );
  });

  it('keeps its own copy of the weights', () => {
    const layers = initializeParameters(NETWORK, new Random(4));
    const predictor = createPredictor(NETWORK, layers, jsKernels);
    const before = matrixToRows(predictor.predict(matrixFromRows([[1, 2, 3]])));

    layers[0].W.data.fill(0);

    expect(matrixToRows(predictor.predict(matrixFromRows([[1, 2, 3]])))).toEqual(before);
  });

  it('refuses rows of the wrong width, naming both shapes', () => {
    const predictor = createPredictor(
      NETWORK,
      initializeParameters(NETWORK, new Random(4)),
      jsKernels,
    );

    expect(() => predictor.predict(zerosMatrix(2, 4))).toThrow(
      'predict: the network takes 3 inputs per row (shapes [2, 4] and [2, 3])',
    );
  });
});

describe('describeNetworkGraph', () => {
  it('describes the graph a step that tall records, without recording it at that height', () => {
    const network: NetworkDefinition = {
      ...NETWORK,
      layers: [{ units: 5, activation: 'tanh' }, ...NETWORK.layers],
    };
    const graph = new Graph(jsKernels);
    let inputs = network.inputSize;
    const zeros = network.layers.map(({ units }) => {
      const layer = { W: zerosMatrix(inputs, units), b: zerosMatrix(1, units) };
      inputs = units;
      return layer;
    });
    const net = buildDenseGraph(graph, network, zeros, { rows: 777, withTargets: true, l2: 0.5 });

    expect(describeNetworkGraph(network, 777, 0.5)).toEqual(describeGraph(graph, net.cost));
  });
});
