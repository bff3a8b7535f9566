import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

export interface ScaleAttrs {
  readonly factor: number;
}

/** y = c·x for a fixed c (the l2 coefficient, say). Backward: dx += c·dy. Keeps: nothing. */
export const scale = defineOp<ScaleAttrs>({
  name: 'scale',
  arity: 1,
  outputShape: unaryShape,

  forward(node) {
    const x = node.inputs[0].value;
    const y = node.value;
    const factor = node.attrs.factor;
    for (let i = 0; i < y.length; i++) y[i] = factor * x[i];
  },

  backward(node) {
    const x = node.inputs[0];
    if (!x.grad) return;
    const dx = x.grad;
    const dy = node.grad!;
    const factor = node.attrs.factor;
    for (let i = 0; i < dy.length; i++) dx[i] += factor * dy[i];
  },
});
