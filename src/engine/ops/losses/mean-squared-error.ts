import { defineOp } from '../../graph/op.js';
import { SCALAR_SHAPE, sameShape } from '../shapes.js';

/**
 * L = (1/N) Σ (p − y)² over all N elements of predictions p and targets y (TF.js averages over
 * outputs, then over samples: the same thing for equal-width rows).
 * Backward: ∂L/∂p = 2(p − y)/N, ∂L/∂y = −2(p − y)/N. Keeps from forward: nothing.
 */
export const meanSquaredError = defineOp({
  name: 'meanSquaredError',
  arity: 2,

  outputShape(inputs) {
    sameShape('meanSquaredError', inputs);
    return SCALAR_SHAPE;
  },

  forward(node) {
    const p = node.inputs[0].value;
    const y = node.inputs[1].value;
    let total = 0;
    for (let i = 0; i < p.length; i++) {
      const d = p[i] - y[i];
      total += d * d;
    }
    node.value[0] = total / p.length;
  },

  backward(node) {
    const [prediction, target] = node.inputs;
    const p = prediction.value;
    const y = target.value;
    const factor = (2 * node.grad![0]) / p.length;
    if (prediction.grad) {
      const dp = prediction.grad;
      for (let i = 0; i < p.length; i++) dp[i] += factor * (p[i] - y[i]);
    }
    if (target.grad) {
      const dy = target.grad;
      for (let i = 0; i < p.length; i++) dy[i] -= factor * (p[i] - y[i]);
    }
  },
});
