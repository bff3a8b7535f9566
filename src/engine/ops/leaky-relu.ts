import { defineOp } from '../graph/op.js';
import { unaryShape } from './shapes.js';

export interface LeakyReluAttrs {
  /** Slope for negative inputs; TF.js's default is 0.2. */
  readonly alpha: number;
}

export const DEFAULT_LEAKY_RELU_ALPHA = 0.2;

/**
 * y = x for x > 0, else α·x. Backward: ∂y/∂x = 1 where x > 0, else α.
 * Keeps from forward: the input x.
 */
export const leakyRelu = defineOp<LeakyReluAttrs>({
  name: 'leakyRelu',
  arity: 1,
  outputShape: unaryShape,
  forward: (node, kernels) => kernels.leakyRelu(node.inputs[0].value, node.value, node.attrs.alpha),

  backward(node, kernels) {
    const x = node.inputs[0];
    if (x.grad) kernels.leakyReluBackward(x.value, node.grad!, x.grad, node.attrs.alpha);
  },
});
