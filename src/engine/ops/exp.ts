import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/** y = eˣ elementwise. Backward: ∂y/∂x = eˣ = y, so dx += dy·y. Keeps from forward: y. */
export const exp = defineOp({
  name: 'exp',
  arity: 1,
  outputShape: unaryShape,

  forward(node) {
    const x = node.inputs[0].value;
    const y = node.value;
    for (let i = 0; i < y.length; i++) y[i] = Math.exp(x[i]);
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const dx = x.grad;
    const dy = node.grad!;
    const y = node.value;
    for (let i = 0; i < y.length; i++) dx[i] += dy[i] * y[i];
  },
});
