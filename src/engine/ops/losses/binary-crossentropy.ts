import { defineOp } from '../../graph/op.js';
import { SCALAR_SHAPE, sameShape } from '../shapes.js';
import { clipProbability, isInsideClip } from './epsilon.js';

/**
 * L = −(1/N) Σ [y·ln p̃ + (1 − y)·ln(1 − p̃)] over all N elements, p̃ = p clipped to [ε, 1 − ε]
 * (see epsilon.ts for why the clip rather than a logits form: it is TF.js's definition).
 * Backward: ∂L/∂p = (p̃ − y) / (p̃(1 − p̃)) / N inside the clip, 0 outside;
 * ∂L/∂y = −(ln p̃ − ln(1 − p̃)) / N. Keeps from forward: nothing (p̃ is recomputed).
 */
export const binaryCrossentropy = defineOp({
  name: 'binaryCrossentropy',
  arity: 2,

  outputShape(inputs) {
    sameShape('binaryCrossentropy', inputs);
    return SCALAR_SHAPE;
  },

  forward(node) {
    const p = node.inputs[0].value;
    const y = node.inputs[1].value;
    let total = 0;
    for (let i = 0; i < p.length; i++) {
      const q = clipProbability(p[i]);
      total += y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
    }
    node.value[0] = -total / p.length;
  },

  backward(node) {
    const [prediction, target] = node.inputs;
    const p = prediction.value;
    const y = target.value;
    const share = node.grad![0] / p.length;
    if (prediction.grad) {
      const dp = prediction.grad;
      for (let i = 0; i < p.length; i++) {
        if (isInsideClip(p[i])) dp[i] += (share * (p[i] - y[i])) / (p[i] * (1 - p[i]));
      }
    }
    if (target.grad) {
      const dy = target.grad;
      for (let i = 0; i < p.length; i++) {
        const q = clipProbability(p[i]);
        dy[i] -= share * (Math.log(q) - Math.log(1 - q));
      }
    }
  },
});
