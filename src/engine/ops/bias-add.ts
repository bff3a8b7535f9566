import { ShapeMismatchError } from '../errors.js';
import { defineOp } from '../graph/op.js';

/**
 * Y = X + b, the 1 × n bias row broadcast over every row of X [m×n].
 * Backward: ∂Y/∂X = 1, so dX += dY; ∂Y/∂b = 1 for every row, so db += the column sums of dY.
 * Keeps from forward: nothing.
 */
export const biasAdd = defineOp({
  name: 'biasAdd',
  arity: 2,

  outputShape([x, bias]) {
    if (bias.rows !== 1 || bias.cols !== x.cols) {
      throw new ShapeMismatchError(
        'biasAdd',
        [x.shape, bias.shape],
        'the bias must be one row as wide as the input',
      );
    }
    return [x.rows, x.cols];
  },

  forward(node, kernels) {
    const [x, bias] = node.inputs;
    kernels.addBias(x.value, bias.value, node.value, x.rows, x.cols);
  },

  backward(node, kernels) {
    const [x, bias] = node.inputs;
    const dy = node.grad!;
    if (x.grad) kernels.accumulate(dy, x.grad);
    if (bias.grad) kernels.accumulateColumnSums(dy, bias.grad, x.rows, x.cols);
  },
});
