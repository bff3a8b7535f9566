import { Random, Trainer, type NetworkDefinition } from '../../src/engine/index.js';
import { toEngineOptions } from '../../src/queue/engine-options.js';
import type { StoredTraining } from '../../src/storage/records.js';

/** A seeded dataset with a nonlinear rule, as rows for the API and as matrices for the engine. */
export function syntheticDataset(rows: number, features: number, classes: number, seed: number) {
  const random = new Random(seed);
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: features }, () => random.uniformBetween(-1, 1));
    const score = x.reduce((total, value, index) => total + Math.sin(value * (index + 1)), 0);
    const bucket = Math.min(classes - 1, Math.floor(((Math.tanh(score) + 1) / 2) * classes));
    inputs.push(x);
    targets.push(
      classes === 1
        ? [Math.tanh(score)]
        : Array.from({ length: classes }, (_, c) => (c === bucket ? 1 : 0)),
    );
  }
  return { inputs, targets };
}

/** Trains in this process exactly what a job with this stored training trains: the reference. */
export function trainDirectly(
  network: NetworkDefinition,
  data: { inputs: number[][]; targets: number[][] },
  training: StoredTraining,
) {
  const toMatrix = (rows: number[][]) => ({
    rows: rows.length,
    cols: rows[0].length,
    data: Float64Array.from(rows.flat()),
  });
  const trainer = new Trainer(
    network,
    { inputs: toMatrix(data.inputs), targets: toMatrix(data.targets) },
    toEngineOptions(training),
  );
  const result = trainer.run();
  return result.layers.map(({ W, b }) => ({
    W: Array.from({ length: W.rows }, (_, i) =>
      Array.from(W.data.subarray(i * W.cols, (i + 1) * W.cols)),
    ),
    b: Array.from(b.data),
  }));
}
