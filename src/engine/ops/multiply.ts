import { defineOp } from '../graph/op.js';
import { sameShape } from './shapes.js';

/**
 * Y = A ⊙ B elementwise. Backward: dA += dY ⊙ B, dB += dY ⊙ A.
 * Keeps from forward: the input values. multiply(W, W) receives both terms, 2·W·dY.
 */
export const multiply = defineOp({
  name: 'multiply',
  arity: 2,
  outputShape: (inputs) => sameShape('multiply', inputs),

  forward(node) {
    const a = node.inputs[0].value;
    const b = node.inputs[1].value;
    const y = node.value;
    for (let i = 0; i < y.length; i++) y[i] = a[i] * b[i];
  },

  backward(node) {
    const [a, b] = node.inputs;
    const dy = node.grad!;
    if (a.grad) {
      const da = a.grad;
      for (let i = 0; i < dy.length; i++) da[i] += dy[i] * b.value[i];
    }
    if (b.grad) {
      const db = b.grad;
      for (let i = 0; i < dy.length; i++) db[i] += dy[i] * a.value[i];
    }
  },
});
