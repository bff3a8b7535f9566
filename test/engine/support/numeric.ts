import { expect } from 'vitest';
import { Random, type Matrix } from '../../../src/engine/index.js';

/**
 * Central-difference estimate of ∂f/∂vᵢ for every element of `values`, which `f` must read on
 * each call: (f(v + h) − f(v − h)) / 2h. In float64 with h = 1e-5 the truncation error is
 * O(h²·f‴) ≈ 1e-10 and the rounding error O(ε·|f|/h) ≈ 1e-11, far below any real mistake.
 */
export function centralDifferences(
  f: () => number,
  values: Float64Array,
  step = 1e-5,
): Float64Array {
  const gradient = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const held = values[i];
    values[i] = held + step;
    const above = f();
    values[i] = held - step;
    const below = f();
    values[i] = held;
    gradient[i] = (above - below) / (2 * step);
  }
  return gradient;
}

/** The largest |aᵢ − bᵢ| / max(1, |bᵢ|), with its index. */
export function worstRelativeError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): { error: number; index: number } {
  let worst = { error: 0, index: -1 };
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(error <= worst.error)) worst = { error, index: i };
  }
  return worst;
}

/** Asserts |aᵢ − bᵢ| ≤ tolerance · max(1, |bᵢ|) everywhere, naming the worst element if not. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  label = 'values',
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const { error, index } = worstRelativeError(actual, expected);
  expect(
    error,
    `${label}[${index}]: got ${actual[index]}, expected ${expected[index]}`,
  ).toBeLessThanOrEqual(tolerance);
}

/** Asserts two arrays hold the same numbers bit for bit (+0 and −0 differ, NaN equals NaN). */
export function expectBitIdentical(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label = 'values',
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let index = -1;
  for (let i = 0; i < expected.length && index < 0; i++) {
    if (!Object.is(actual[i], expected[i])) index = i;
  }
  expect(index, `${label}[${index}]: got ${actual[index]}, expected ${expected[index]}`).toBe(-1);
}

export function largestMagnitude(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}

/** A rows × cols matrix of values drawn uniformly from [min, max). */
export function randomMatrix(
  random: Random,
  rows: number,
  cols: number,
  min = -1,
  max = 1,
): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random.uniformBetween(min, max);
  return { rows, cols, data };
}

/**
 * Like randomMatrix, but every value keeps at least `gap` away from zero, so that a relu or
 * leakyRelu kink never falls inside a finite-difference step.
 */
export function randomMatrixAwayFromZero(
  random: Random,
  rows: number,
  cols: number,
  gap = 0.1,
): Matrix {
  const matrix = randomMatrix(random, rows, cols, gap, 2);
  for (let i = 0; i < matrix.data.length; i++) {
    if (random.uniform() < 0.5) matrix.data[i] = -matrix.data[i];
  }
  return matrix;
}

/** Rows of zeros with a single 1 in a random column: class targets. */
export function randomOneHot(random: Random, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) data[r * cols + random.integerBelow(cols)] = 1;
  return { rows, cols, data };
}

/** Each element 0 or 1 with equal chance: binary targets. */
export function randomBits(random: Random, rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = random.uniform() < 0.5 ? 0 : 1;
  return { rows, cols, data };
}
