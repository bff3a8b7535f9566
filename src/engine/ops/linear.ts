import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/**
 * y = x, the identity activation. It is a node of its own so that the graph a user inspects
 * shows every layer's activation. Backward: dx += dy. Keeps from forward: nothing.
 */
export const linear = defineOp({
  name: 'linear',
  arity: 1,
  outputShape: unaryShape,
  forward: (node) => node.value.set(node.inputs[0].value),

  backward(node, kernels) {
    const x = node.inputs[0];
    if (x.grad) kernels.accumulate(node.grad!, x.grad);
  },
});
