import type { Kernels } from '../kernels/index.js';
import type { Node } from './node.js';

/**
 * An op: its output shape, its forward computation and its backward rule, defined together.
 *
 * forward reads its inputs' values and writes node.value. backward reads node.grad (∂cost/∂out)
 * and whatever forward left in the inputs' and its own values, and ADDS its inputs' local
 * contributions into input.grad wherever that is non-null: a value used twice receives both.
 */
export interface Op<Attrs = undefined> {
  readonly name: string;
  /** How many inputs the op takes. */
  readonly arity: number;
  /** The output shape; throws ShapeMismatchError naming the op and shapes when inputs don't fit. */
  outputShape(inputs: readonly Node[], attrs: Attrs): [number, number];
  forward(node: Node<Attrs>, kernels: Kernels): void;
  backward(node: Node<Attrs>, kernels: Kernels): void;
}

/** Defines an op with the attribute type inferred from the definition. */
export function defineOp<Attrs = undefined>(op: Op<Attrs>): Op<Attrs> {
  return op;
}
