import { describe, expect, it } from 'vitest';
import {
  Graph,
  Random,
  ShapeMismatchError,
  Trainer,
  buildDenseGraph,
  createPredictor,
  jsKernels,
  matrixFromRows,
  type NetworkDefinition,
} from '../../../src/engine/index.js';
import { classificationData } from '../support/datasets.js';
import { expectBitIdentical, randomMatrix } from '../support/numeric.js';
import { copyLayers } from '../support/runs.js';

const network: NetworkDefinition = {
  inputSize: 4,
  layers: [
    { units: 5, activation: 'leakyRelu', alpha: 0.1 },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

describe('createPredictor', () => {
  const data = classificationData(31, 40);
  const trained = new Trainer(network, data, {
    epochs: 20,
    batchSize: 8,
    optimizer: { type: 'adam', learningRate: 0.02 },
    seed: 3,
  }).run();

  it('agrees bit for bit with the outputs of the trained network’s graph', () => {
    const graph = new Graph(jsKernels);
    const net = buildDenseGraph(graph, network, trained.layers, { rows: 40, withTargets: false });
    net.inputs.value.set(data.inputs.data);
    graph.forward();

    const predicted = createPredictor(network, trained.layers, jsKernels).predict(data.inputs);
    expect([predicted.rows, predicted.cols]).toEqual([40, 3]);
    expectBitIdentical(predicted.data, net.outputs.value, 'outputs');
  });

  it('computes H = activation(X·W + b) as written by hand', () => {
    const line: NetworkDefinition = {
      inputSize: 2,
      layers: [{ units: 1, activation: 'tanh' }],
      loss: 'meanSquaredError',
    };
    const weights = [{ W: matrixFromRows([[0.5], [-1]]), b: matrixFromRows([[0.25]]) }];
    const predictor = createPredictor(line, weights);
    const outputs = predictor.predict(
      matrixFromRows([
        [1, 2],
        [-2, 0.5],
      ]),
    ).data;
    expect(outputs[0]).toBeCloseTo(Math.tanh(0.5 - 2 + 0.25), 15);
    expect(outputs[1]).toBeCloseTo(Math.tanh(-1 - 0.5 + 0.25), 15);
  });

  it('predicts large inputs in chunks with the same result as row by row', () => {
    const predictor = createPredictor(network, trained.layers);
    const inputs = randomMatrix(new Random(4), 2500, 4);
    const all = predictor.predict(inputs);
    for (const row of [0, 1023, 1024, 2047, 2048, 2499]) {
      const one = predictor.predict({
        rows: 1,
        cols: 4,
        data: inputs.data.slice(row * 4, row * 4 + 4),
      });
      expectBitIdentical(all.data.subarray(row * 3, row * 3 + 3), one.data, `row ${row}`);
    }
  });

  it('keeps its own copy of the weights', () => {
    const layers = copyLayers(trained.layers);
    const predictor = createPredictor(network, layers);
    const before = predictor.predict(data.inputs).data;
    layers[0].W.data.fill(0);
    expectBitIdentical(predictor.predict(data.inputs).data, before, 'outputs');
  });

  it('rejects inputs of the wrong width, naming predict and both shapes', () => {
    const predictor = createPredictor(network, trained.layers);
    expect(() => predictor.predict(matrixFromRows([[1, 2, 3]]))).toThrow(ShapeMismatchError);
    expect(() => predictor.predict(matrixFromRows([[1, 2, 3]]))).toThrow(
      /predict.*\[1, 3\] and \[1, 4\]/,
    );
  });
});
