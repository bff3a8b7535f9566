/** The lecture's XOR, used as the example of every schema so that "Try it out" works as is. */
export const XOR_INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const XOR_TARGETS = [[0], [1], [1], [0]];
export const XOR_LABELS = [0, 1, 1, 0];

export const XOR_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
  initializer: 'glorotUniform',
} as const;

export const XOR_TRAINING = {
  epochs: 2000,
  optimizer: { type: 'sgd', learningRate: 1 },
  seed: 1,
} as const;

export const EXAMPLE_TIME = '2026-12-03T13:00:00.000Z';

/** Predictions of a trained XOR network for XOR_INPUTS. */
export const XOR_PREDICTIONS = [[0.0213], [0.9747], [0.9748], [0.0291]];

/** The lecture's single linear unit f = x·W + b with W = −2, x = 5, b = 3. */
export const LECTURE_GRADIENTS_REQUEST = {
  network: { inputSize: 1, layers: [{ units: 1, activation: 'linear' }], loss: 'meanSquaredError' },
  layers: [{ W: [[-2]], b: [3] }],
  inputs: [[5]],
} as const;

/** XOR on a 2-2-1 sigmoid network with hand-picked weights that nearly solve it. */
export const XOR_GRADIENTS_REQUEST = {
  network: {
    inputSize: 2,
    layers: [
      { units: 2, activation: 'sigmoid' },
      { units: 1, activation: 'sigmoid' },
    ],
    loss: 'binaryCrossentropy',
  },
  layers: [
    {
      W: [
        [6, -4],
        [6, -4],
      ],
      b: [-2.5, 6],
    },
    { W: [[8], [8]], b: [-12] },
  ],
  inputs: XOR_INPUTS,
  targets: XOR_TARGETS,
} as const;
