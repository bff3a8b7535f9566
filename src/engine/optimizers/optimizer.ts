import { EngineError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';

/** The complete state of an optimizer: its step count and per-parameter slot buffers. */
export interface OptimizerState {
  readonly iterations: number;
  /** Slot buffers in a fixed order (for adam: m₁, v₁, m₂, v₂, …). */
  readonly slots: readonly Float64Array[];
}

/** Updates parameters in place from their gradients, one training step at a time. */
export interface Optimizer {
  step(parameters: readonly Float64Array[], gradients: readonly Float64Array[]): void;
  /** A copy of the state, for a checkpoint. */
  state(): OptimizerState;
  /** Continues from a state taken by `state()` of an optimizer over the same parameters. */
  restore(state: OptimizerState): void;
}

export type OptimizerFactory<Config> = (
  config: Required<Config>,
  sizes: readonly number[],
  kernels: Kernels,
) => Optimizer;

/** Slot buffers of the given sizes, `count` per parameter, filled with `initial`. */
export function createSlots(sizes: readonly number[], count: number, initial = 0): Float64Array[] {
  return sizes.flatMap((size) =>
    Array.from({ length: count }, () => new Float64Array(size).fill(initial)),
  );
}

export function copySlots(slots: readonly Float64Array[]): Float64Array[] {
  return slots.map((slot) => slot.slice());
}

/**
 * Copies saved slots into an optimizer's own. A state saved by another optimizer or network has
 * other slot counts or sizes; it fails with the code the trainer uses for a checkpoint that
 * does not fit, rather than as an untyped Error.
 */
export function restoreSlots(
  target: readonly Float64Array[],
  source: readonly Float64Array[],
): void {
  if (source.length !== target.length) {
    throw new EngineError(
      'CHECKPOINT_MISMATCH',
      `the optimizer state has ${source.length} slots, expected ${target.length}`,
    );
  }
  target.forEach((slot, index) => {
    if (source[index].length !== slot.length) {
      throw new EngineError(
        'CHECKPOINT_MISMATCH',
        `optimizer slot ${index} has ${source[index].length} values, expected ${slot.length}`,
      );
    }
    slot.set(source[index]);
  });
}
