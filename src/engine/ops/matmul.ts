import { ShapeMismatchError } from '../errors.js';
import { defineOp } from '../graph/op.js';

/**
 * C = A·B for A [m×k] and B [k×n].
 * Backward: ∂C/∂A = B, ∂C/∂B = A, i.e. dA += dC·Bᵀ and dB += Aᵀ·dC.
 * Keeps from forward: nothing beyond the input values themselves.
 */
export const matmul = defineOp({
  name: 'matmul',
  arity: 2,

  outputShape([a, b]) {
    if (a.cols !== b.rows) {
      throw new ShapeMismatchError('matmul', [a.shape, b.shape], 'inner dimensions differ');
    }
    return [a.rows, b.cols];
  },

  forward(node, kernels) {
    const [a, b] = node.inputs;
    kernels.matmul(a.value, b.value, node.value, {
      m: a.rows,
      k: a.cols,
      n: b.cols,
      transposeA: false,
      transposeB: false,
      accumulate: false,
    });
  },

  backward(node, kernels) {
    const [a, b] = node.inputs;
    const dc = node.grad!;
    if (a.grad) {
      kernels.matmul(dc, b.value, a.grad, {
        m: a.rows,
        k: b.cols,
        n: a.cols,
        transposeA: false,
        transposeB: true,
        accumulate: true,
      });
    }
    if (b.grad) {
      kernels.matmul(a.value, dc, b.grad, {
        m: b.rows,
        k: a.rows,
        n: b.cols,
        transposeA: true,
        transposeB: false,
        accumulate: true,
      });
    }
  },
});
