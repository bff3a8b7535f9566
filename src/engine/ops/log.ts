import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/**
 * y = ln x elementwise (−Infinity at 0, NaN below: the training loop reports either as
 * divergence). Backward: ∂y/∂x = 1/x, so dx += dy / x. Keeps from forward: the input x.
 */
export const log = defineOp({
  name: 'log',
  arity: 1,
  outputShape: unaryShape,

  forward(node) {
    const x = node.inputs[0].value;
    const y = node.value;
    for (let i = 0; i < y.length; i++) y[i] = Math.log(x[i]);
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const dx = x.grad;
    const dy = node.grad!;
    for (let i = 0; i < dy.length; i++) dx[i] += dy[i] / x.value[i];
  },
});
