import type { LossName } from '../network/definition.js';

/**
 * Counts correct predictions in a batch: for binaryCrossentropy every output element
 * (p > 0.5 against y > 0.5, TF.js's binaryAccuracy), for categoricalCrossentropy every row
 * (the arg-max class against the target's). Returns [correct, counted].
 */
export function countCorrect(
  loss: LossName,
  predictions: Float64Array,
  targets: Float64Array,
  rows: number,
  cols: number,
): [number, number] {
  if (loss === 'binaryCrossentropy') {
    let correct = 0;
    for (let i = 0; i < rows * cols; i++) {
      if (predictions[i] > 0.5 === targets[i] > 0.5) correct++;
    }
    return [correct, rows * cols];
  }

  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (argMax(predictions, base, cols) === argMax(targets, base, cols)) correct++;
  }
  return [correct, rows];
}

function argMax(values: Float64Array, base: number, cols: number): number {
  let best = 0;
  for (let c = 1; c < cols; c++) if (values[base + c] > values[base + best]) best = c;
  return best;
}

/**
 * √(Σ dW² + Σ db²) of one layer's gradient, scaled by the largest magnitude first: squaring
 * gradients above ~1e154 overflows to Infinity although the norm itself is representable, and
 * an exploding network's reports must still carry a number.
 */
export function layerGradientNorm(dW: Float64Array, db: Float64Array): number {
  let largest = 0;
  for (let i = 0; i < dW.length; i++) largest = Math.max(largest, Math.abs(dW[i]));
  for (let i = 0; i < db.length; i++) largest = Math.max(largest, Math.abs(db[i]));
  if (largest === 0 || !Number.isFinite(largest)) return largest;

  let total = 0;
  for (let i = 0; i < dW.length; i++) total += (dW[i] / largest) ** 2;
  for (let i = 0; i < db.length; i++) total += (db[i] / largest) ** 2;
  return largest * Math.sqrt(total);
}

/** True when every value is finite. */
export function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
