import { describe, expect, it } from 'vitest';
import { explainGradients, matrixFromRows } from '../../src/engine/index.js';

describe('the lecture example f = x·W + b', () => {
  it('gives f = −7, ∂f/∂W = 5, ∂f/∂x = −2 and ∂f/∂b = 1 for W = −2, x = 5, b = 3', () => {
    const explanation = explainGradients({
      definition: {
        inputSize: 1,
        layers: [{ units: 1, activation: 'linear' }],
        loss: 'meanSquaredError',
      },
      layers: [{ W: matrixFromRows([[-2]]), b: matrixFromRows([[3]]) }],
      inputs: matrixFromRows([[5]]),
    });

    expect(explanation.outputs).toEqual([[-7]]);
    expect(explanation.gradients.layers[0].W).toEqual([[5]]);
    expect(explanation.gradients.inputs).toEqual([[-2]]);
    expect(explanation.gradients.layers[0].b).toEqual([1]);
  });
});
