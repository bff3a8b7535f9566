import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/**
 * y = σ(x) = 1 / (1 + e⁻ˣ). Backward: ∂y/∂x = y·(1 − y), so dx += dy·y·(1 − y).
 * Keeps from forward: its own output y, which is all the derivative needs.
 */
export const sigmoid = defineOp({
  name: 'sigmoid',
  arity: 1,
  outputShape: unaryShape,
  forward: (node, kernels) => kernels.sigmoid(node.inputs[0].value, node.value),

  backward(node, kernels) {
    const x = node.inputs[0];
    if (x.grad) kernels.sigmoidBackward(node.value, node.grad!, x.grad);
  },
});
