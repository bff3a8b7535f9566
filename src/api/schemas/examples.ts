/** The lecture's XOR, used as the example of every schema so that "Try it out" works as is. */
export const XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
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
