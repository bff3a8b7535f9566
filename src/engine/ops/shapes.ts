import { ShapeMismatchError } from '../errors.js';
import type { Node } from '../graph/node.js';

/** The shared shape of elementwise operands; throws naming the op when they differ. */
export function sameShape(op: string, inputs: readonly Node[]): [number, number] {
  const [first, ...rest] = inputs;
  for (const other of rest) {
    if (other.rows !== first.rows || other.cols !== first.cols) {
      throw new ShapeMismatchError(
        op,
        inputs.map((input) => input.shape),
        'operands must have the same shape',
      );
    }
  }
  return [first.rows, first.cols];
}

/** The input's own shape, for unary elementwise ops. */
export function unaryShape(inputs: readonly Node[]): [number, number] {
  return [inputs[0].rows, inputs[0].cols];
}

export const SCALAR_SHAPE: [number, number] = [1, 1];
