import { defineOp } from '../../graph/op.js';
import { SCALAR_SHAPE, sameShape } from '../shapes.js';
import { clipProbability, isInsideClip } from './epsilon.js';

/**
 * L = −(1/R) Σ_rows Σᵢ yᵢ·ln q̃ᵢ with qᵢ = pᵢ / Σⱼ pⱼ and q̃ = q clipped to [ε, 1 − ε]: summed
 * over classes, averaged over the R rows. Normalising by the row sum is TF.js's definition; after
 * a softmax it changes nothing, after another activation it keeps the loss a cross-entropy.
 * Backward, per row with s = Σⱼ pⱼ and gᵢ = −yᵢ/q̃ᵢ/R inside the clip (0 outside):
 * ∂L/∂pₖ = (gₖ − Σᵢ gᵢqᵢ) / s, and ∂L/∂yᵢ = −ln q̃ᵢ / R. Keeps from forward: nothing.
 */
export const categoricalCrossentropy = defineOp({
  name: 'categoricalCrossentropy',
  arity: 2,

  outputShape(inputs) {
    sameShape('categoricalCrossentropy', inputs);
    return SCALAR_SHAPE;
  },

  forward(node) {
    const [prediction, target] = node.inputs;
    const p = prediction.value;
    const y = target.value;
    const { rows, cols } = prediction;
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const s = rowSum(p, base, cols);
      for (let c = 0; c < cols; c++)
        total += y[base + c] * Math.log(clipProbability(p[base + c] / s));
    }
    node.value[0] = -total / rows;
  },

  backward(node) {
    const [prediction, target] = node.inputs;
    const p = prediction.value;
    const y = target.value;
    const { rows, cols } = prediction;
    const share = node.grad![0] / rows;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      const s = rowSum(p, base, cols);

      if (prediction.grad) {
        const dp = prediction.grad;
        // Σᵢ gᵢqᵢ = −share · Σᵢ yᵢ over the classes inside the clip.
        let weighted = 0;
        for (let c = 0; c < cols; c++) {
          if (isInsideClip(p[base + c] / s)) weighted -= share * y[base + c];
        }
        for (let c = 0; c < cols; c++) {
          const q = p[base + c] / s;
          const g = isInsideClip(q) ? (-share * y[base + c]) / q : 0;
          dp[base + c] += (g - weighted) / s;
        }
      }

      if (target.grad) {
        const dy = target.grad;
        for (let c = 0; c < cols; c++)
          dy[base + c] -= share * Math.log(clipProbability(p[base + c] / s));
      }
    }
  },
});

function rowSum(values: Float64Array, base: number, cols: number): number {
  let total = 0;
  for (let c = 0; c < cols; c++) total += values[base + c];
  return total;
}
