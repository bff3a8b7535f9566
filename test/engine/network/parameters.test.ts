import { describe, expect, it } from 'vitest';
import {
  INITIALIZERS,
  InvalidArgumentError,
  Random,
  ShapeMismatchError,
  checkParameterShapes,
  countParameters,
  initializeParameters,
  matrixFromRows,
  validateNetwork,
  zerosMatrix,
  type InitializerName,
  type NetworkDefinition,
} from '../../../src/engine/index.js';

const network = (initializer?: InitializerName): NetworkDefinition => ({
  inputSize: 40,
  layers: [
    { units: 60, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
  ...(initializer ? { initializer } : {}),
});

function moments(values: Float64Array): { mean: number; std: number; max: number } {
  let total = 0;
  let max = 0;
  for (const value of values) {
    total += value;
    max = Math.max(max, Math.abs(value));
  }
  const mean = total / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length), max };
}

describe('initializeParameters', () => {
  // Limits and deviations from TF.js's VarianceScaling, for the 40 × 60 first layer.
  const fanIn = 40;
  const fanOut = 60;
  const expectations: Record<InitializerName, { limit: number; std: number }> = {
    glorotUniform: {
      limit: Math.sqrt(6 / (fanIn + fanOut)),
      std: Math.sqrt(6 / (fanIn + fanOut) / 3),
    },
    heUniform: { limit: Math.sqrt(6 / fanIn), std: Math.sqrt(6 / fanIn / 3) },
    randomUniform: { limit: 0.05, std: 0.05 / Math.sqrt(3) },
    // A normal truncated at 2σ has a standard deviation of about 0.88σ.
    glorotNormal: {
      limit: 2 * Math.sqrt(2 / (fanIn + fanOut)),
      std: 0.88 * Math.sqrt(2 / (fanIn + fanOut)),
    },
    heNormal: { limit: 2 * Math.sqrt(2 / fanIn), std: 0.88 * Math.sqrt(2 / fanIn) },
    zeros: { limit: 0, std: 0 },
  };

  for (const initializer of INITIALIZERS) {
    it(`draws ${initializer} weights within the TF.js limit and with its spread`, () => {
      const [first] = initializeParameters(network(initializer), new Random(3));
      const { mean, std, max } = moments(first.W.data);
      const { limit, std: expectedStd } = expectations[initializer];
      expect(max).toBeLessThanOrEqual(limit);
      expect(Math.abs(mean)).toBeLessThanOrEqual(0.1 * expectedStd + 1e-12);
      expect(std).toBeGreaterThanOrEqual(0.95 * expectedStd);
      expect(std).toBeLessThanOrEqual(1.05 * expectedStd);
    });
  }

  it('uses glorotUniform when no initializer is named', () => {
    const implicit = initializeParameters(network(), new Random(5));
    const explicit = initializeParameters(network('glorotUniform'), new Random(5));
    expect(implicit).toEqual(explicit);
  });

  it('shapes W as [inputs][units] and starts every bias at zero', () => {
    const layers = initializeParameters(network('heNormal'), new Random(1));
    expect(layers.map(({ W }) => [W.rows, W.cols])).toEqual([
      [40, 60],
      [60, 10],
    ]);
    for (const { b } of layers) expect(Array.from(b.data).every((value) => value === 0)).toBe(true);
  });

  it('gives the same weights for the same seed and other weights for another seed', () => {
    const a = initializeParameters(network(), new Random(9));
    const b = initializeParameters(network(), new Random(9));
    const c = initializeParameters(network(), new Random(10));
    expect(a).toEqual(b);
    expect(a[0].W.data).not.toEqual(c[0].W.data);
  });
});

describe('countParameters', () => {
  it('counts inputs·units + units per layer', () => {
    expect(countParameters(network())).toBe(40 * 60 + 60 + 60 * 10 + 10);
  });
});

describe('validateNetwork', () => {
  const base = network();

  it('accepts a valid definition', () => {
    expect(() => validateNetwork(base)).not.toThrow();
  });

  it.each([
    ['inputSize', { ...base, inputSize: 0 }],
    ['layers', { ...base, layers: [] }],
    ['layers[0].units', { ...base, layers: [{ units: 1.5, activation: 'relu' }] }],
    ['layers[0].activation', { ...base, layers: [{ units: 2, activation: 'swish' }] }],
    [
      'layers[0].activation',
      {
        ...base,
        layers: [
          { units: 2, activation: 'softmax' },
          { units: 1, activation: 'linear' },
        ],
      },
    ],
    ['loss', { ...base, loss: 'hinge' }],
    ['initializer', { ...base, initializer: 'orthogonal' }],
  ])('rejects a bad %s with VALIDATION_FAILED naming the path', (path, definition) => {
    let thrown: unknown;
    try {
      validateNetwork(definition as NetworkDefinition);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).code).toBe('VALIDATION_FAILED');
    expect((thrown as InvalidArgumentError).path).toBe(path);
  });
});

describe('checkParameterShapes', () => {
  const definition: NetworkDefinition = {
    inputSize: 2,
    layers: [{ units: 3, activation: 'relu' }],
    loss: 'meanSquaredError',
  };

  it('accepts W [inputs][units] and b of one entry per unit', () => {
    const layers = [{ W: zerosMatrix(2, 3), b: zerosMatrix(1, 3) }];
    expect(() => checkParameterShapes(definition, layers)).not.toThrow();
  });

  it('rejects a transposed W, naming the slot and both shapes', () => {
    expect(() =>
      checkParameterShapes(definition, [{ W: zerosMatrix(3, 2), b: zerosMatrix(1, 3) }]),
    ).toThrow(ShapeMismatchError);
    expect(() =>
      checkParameterShapes(definition, [{ W: zerosMatrix(3, 2), b: zerosMatrix(1, 3) }]),
    ).toThrow(/layers\[0\]\.W.*\[3, 2\] and \[2, 3\]/);
  });

  it('rejects a bias of the wrong width and a model with the wrong number of layers', () => {
    expect(() =>
      checkParameterShapes(definition, [{ W: zerosMatrix(2, 3), b: matrixFromRows([[1, 2]]) }]),
    ).toThrow(/layers\[0\]\.b/);
    expect(() => checkParameterShapes(definition, [])).toThrow(ShapeMismatchError);
  });
});
