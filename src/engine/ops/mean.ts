import { defineOp } from '../graph/op.js';
import { SCALAR_SHAPE } from './shapes.js';

/** m = (1/N) Σ x over all N elements, 1 × 1. Backward: ∂m/∂xᵢ = 1/N, so dxᵢ += dm / N. */
export const mean = defineOp({
  name: 'mean',
  arity: 1,
  outputShape: () => SCALAR_SHAPE,

  forward(node) {
    const x = node.inputs[0].value;
    let total = 0;
    for (let i = 0; i < x.length; i++) total += x[i];
    node.value[0] = total / x.length;
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const share = node.grad![0] / x.value.length;
    const dx = x.grad;
    for (let i = 0; i < dx.length; i++) dx[i] += share;
  },
});
