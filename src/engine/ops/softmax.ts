import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

/**
 * Row-wise softmax: yᵢ = e^(xᵢ − max) / Σⱼ e^(xⱼ − max). Subtracting the row maximum leaves the
 * result unchanged mathematically but keeps every exponent ≤ 0, so e^x cannot overflow to
 * Infinity for large logits (e^710 already does in float64).
 * Backward: ∂yᵢ/∂xₖ = yᵢ(δᵢₖ − yₖ), so dxₖ += yₖ·(dyₖ − Σᵢ dyᵢ·yᵢ) per row.
 * Keeps from forward: its output y.
 */
export const softmax = defineOp({
  name: 'softmax',
  arity: 1,
  outputShape: unaryShape,

  forward(node) {
    const x = node.inputs[0].value;
    const y = node.value;
    const cols = node.cols;
    for (let r = 0; r < node.rows; r++) {
      const base = r * cols;
      let max = -Infinity;
      for (let c = 0; c < cols; c++) if (x[base + c] > max) max = x[base + c];
      let total = 0;
      for (let c = 0; c < cols; c++) {
        const e = Math.exp(x[base + c] - max);
        y[base + c] = e;
        total += e;
      }
      for (let c = 0; c < cols; c++) y[base + c] /= total;
    }
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const dx = x.grad;
    const y = node.value;
    const dy = node.grad!;
    const cols = node.cols;
    for (let r = 0; r < node.rows; r++) {
      const base = r * cols;
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += dy[base + c] * y[base + c];
      for (let c = 0; c < cols; c++) dx[base + c] += y[base + c] * (dy[base + c] - dot);
    }
  },
});
