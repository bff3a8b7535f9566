/** The jobs `npm run bench:api` submits: W1 is the lecture's XOR on a 2-2-1 network. */

export const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
export const W1_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'sigmoid' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  loss: 'binaryCrossentropy' as const,
};
export const w1Training = (seed: number) => ({
  epochs: 100,
  optimizer: { type: 'sgd' as const, learningRate: 0.1 },
  seed,
});
