import { defineOp } from '../graph/op.js';
import { SCALAR_SHAPE } from './shapes.js';

/** s = Σ x over every element, a 1 × 1 result. Backward: ∂s/∂xᵢ = 1, so dxᵢ += ds. */
export const sum = defineOp({
  name: 'sum',
  arity: 1,
  outputShape: () => SCALAR_SHAPE,

  forward(node) {
    const x = node.inputs[0].value;
    let total = 0;
    for (let i = 0; i < x.length; i++) total += x[i];
    node.value[0] = total;
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const ds = node.grad![0];
    const dx = x.grad;
    for (let i = 0; i < dx.length; i++) dx[i] += ds;
  },
});
