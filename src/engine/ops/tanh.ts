import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/** y = tanh(x). Backward: ∂y/∂x = 1 − y², so dx += dy·(1 − y²). Keeps from forward: y. */
export const tanh = defineOp({
  name: 'tanh',
  arity: 1,
  outputShape: unaryShape,
  forward: (node, kernels) => kernels.tanh(node.inputs[0].value, node.value),

  backward(node, kernels) {
    const x = node.inputs[0];
    if (x.grad) kernels.tanhBackward(node.value, node.grad!, x.grad);
  },
});
