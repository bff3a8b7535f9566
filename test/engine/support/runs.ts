import { expect } from 'vitest';
import type { EpochReport, LayerParameters } from '../../../src/engine/index.js';
import { expectBitIdentical } from './numeric.js';

export type TimelessReport = Omit<EpochReport, 'elapsedMs'>;

/** A report without its wall-clock time, the one field that legitimately differs between runs. */
export function withoutTime({ elapsedMs: _elapsedMs, ...report }: EpochReport): TimelessReport {
  return report;
}

/** Copies of the layers' buffers, in the order W₁, b₁, W₂, b₂, … */
export function snapshot(layers: readonly LayerParameters[]): Float64Array[] {
  return layers.flatMap(({ W, b }) => [W.data.slice(), b.data.slice()]);
}

/** Deep copies of the layers, for a caller that must not share buffers with the original. */
export function copyLayers(layers: readonly LayerParameters[]): LayerParameters[] {
  return layers.map(({ W, b }) => ({
    W: { ...W, data: W.data.slice() },
    b: { ...b, data: b.data.slice() },
  }));
}

/** Asserts that two lists of buffers (as snapshot() returns them) are identical bit for bit. */
export function expectSameBlocks(
  actual: readonly Float64Array[],
  expected: readonly Float64Array[],
): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((block, index) => expectBitIdentical(block, expected[index], `block ${index}`));
}
