import { Random, type NetworkDefinition, type OptimizerConfig } from '../src/engine/index.js';

/** A reference training workload, defined once for every engine the benchmark runs. */
export interface Workload {
  readonly name: string;
  readonly definition: NetworkDefinition;
  readonly inputs: Float64Array;
  readonly targets: Float64Array;
  readonly rows: number;
  readonly epochs: number;
  /** null: the whole dataset per step. */
  readonly batchSize: number | null;
  readonly optimizer: OptimizerConfig & { learningRate: number };
}

/** Multiply-adds of one epoch as the issue counts them: 6 × weights × samples. */
export function flopsPerRun(workload: Workload): number {
  let inputs = workload.definition.inputSize;
  let weights = 0;
  for (const layer of workload.definition.layers) {
    weights += inputs * layer.units;
    inputs = layer.units;
  }
  return 6 * weights * workload.rows * workload.epochs;
}

export function xorWorkload(): Workload {
  return {
    name: 'W1 XOR 2-2-1 sgd full batch ×10,000',
    definition: {
      inputSize: 2,
      layers: [
        { units: 2, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
    },
    inputs: Float64Array.from([0, 0, 0, 1, 1, 0, 1, 1]),
    targets: Float64Array.from([0, 1, 1, 0]),
    rows: 4,
    epochs: 10_000,
    batchSize: null,
    optimizer: { type: 'sgd', learningRate: 0.1 },
  };
}

/** Seeded random rows labelled by the arg-max of a fixed random linear map. */
function linearClasses(rows: number, features: number, classes: number, seed: number) {
  const random = new Random(seed);
  const inputs = new Float64Array(rows * features).map(() => random.uniformBetween(-1, 1));
  const map = new Float64Array(features * classes).map(() => random.uniformBetween(-1, 1));
  const targets = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      let score = 0;
      for (let f = 0; f < features; f++) score += inputs[r * features + f] * map[f * classes + c];
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    targets[r * classes + best] = 1;
  }
  return { inputs, targets };
}

export function mlpWorkload(optimizer: 'sgd' | 'adam'): Workload {
  const { inputs, targets } = linearClasses(8192, 64, 10, 2);
  return {
    name: `W2 64-128-128-10 relu/softmax batch 64 ×5 ${optimizer}`,
    definition: {
      inputSize: 64,
      layers: [
        { units: 128, activation: 'relu' },
        { units: 128, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
    inputs,
    targets,
    rows: 8192,
    epochs: 5,
    batchSize: 64,
    optimizer:
      optimizer === 'sgd'
        ? { type: 'sgd', learningRate: 0.05 }
        : { type: 'adam', learningRate: 0.001 },
  };
}

export function wideWorkload(): Workload {
  const { inputs, targets } = linearClasses(4096, 784, 10, 3);
  return {
    name: 'W3 784-256-10 relu/softmax batch 256 ×3 sgd',
    definition: {
      inputSize: 784,
      layers: [
        { units: 256, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
    inputs,
    targets,
    rows: 4096,
    epochs: 3,
    batchSize: 256,
    optimizer: { type: 'sgd', learningRate: 0.05 },
  };
}
