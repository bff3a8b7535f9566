import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/**
 * y = max(0, x). Backward: ∂y/∂x = 1 where x > 0, else 0 (also at x = 0, as TF.js does).
 * Keeps from forward: the input x.
 */
export const relu = defineOp({
  name: 'relu',
  arity: 1,
  outputShape: unaryShape,
  forward: (node, kernels) => kernels.leakyRelu(node.inputs[0].value, node.value, 0),

  backward(node, kernels) {
    const x = node.inputs[0];
    if (x.grad) kernels.leakyReluBackward(x.value, node.grad!, x.grad, 0);
  },
});
