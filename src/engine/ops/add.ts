import { defineOp } from '../graph/op.js';
import { sameShape } from './shapes.js';

/** Y = A + B elementwise. Backward: dA += dY, dB += dY. Keeps from forward: nothing. */
export const add = defineOp({
  name: 'add',
  arity: 2,
  outputShape: (inputs) => sameShape('add', inputs),

  forward(node) {
    const a = node.inputs[0].value;
    const b = node.inputs[1].value;
    const y = node.value;
    for (let i = 0; i < y.length; i++) y[i] = a[i] + b[i];
  },

  backward(node, kernels) {
    const [a, b] = node.inputs;
    if (a.grad) kernels.accumulate(node.grad!, a.grad);
    if (b.grad) kernels.accumulate(node.grad!, b.grad);
  },
});
