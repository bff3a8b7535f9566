import { Random, type TrainingData } from '../../../src/engine/index.js';

/** Rows of 3 features with a noisy target y = x₀ − 2x₁ + noise: a small regression task. */
export function regressionData(seed: number, rows: number): TrainingData {
  const random = new Random(seed);
  const inputs = Float64Array.from({ length: rows * 3 }, () => random.uniformBetween(-1, 1));
  const targets = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    targets[r] = inputs[r * 3] - 2 * inputs[r * 3 + 1] + 0.5 * random.normal();
  }
  return { inputs: { rows, cols: 3, data: inputs }, targets: { rows, cols: 1, data: targets } };
}

/** Rows of 4 features, one-hot over 3 classes by the largest of three noisy linear scores. */
export function classificationData(seed: number, rows: number): TrainingData {
  const random = new Random(seed);
  const inputs = Float64Array.from({ length: rows * 4 }, () => random.uniformBetween(-1, 1));
  const targets = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const x = inputs.subarray(r * 4, r * 4 + 4);
    const scores = [x[0] + x[1], x[2] - x[0], x[3] - x[1]].map(
      (score) => score + 0.3 * random.normal(),
    );
    targets[r * 3 + scores.indexOf(Math.max(...scores))] = 1;
  }
  return { inputs: { rows, cols: 4, data: inputs }, targets: { rows, cols: 3, data: targets } };
}
