/**
 * The network definition the engine trains, as shared/API.md describes it. Names follow
 * TensorFlow.js so that a model exports to TF.js without renaming. The service validates
 * requests against its own zod schemas, whose inferred types are assignable to these.
 */
export const ACTIVATIONS = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const LOSSES = [
  'meanSquaredError',
  'binaryCrossentropy',
  'categoricalCrossentropy',
] as const;
export type LossName = (typeof LOSSES)[number];

export const INITIALIZERS = [
  'glorotUniform',
  'glorotNormal',
  'heNormal',
  'heUniform',
  'randomUniform',
  'zeros',
] as const;
export type InitializerName = (typeof INITIALIZERS)[number];

export interface LayerSpec {
  readonly units: number;
  readonly activation: ActivationName;
  /** Negative slope for leakyRelu; 0.2 when omitted. */
  readonly alpha?: number;
}

export interface NetworkDefinition {
  readonly inputSize: number;
  readonly layers: readonly LayerSpec[];
  readonly loss: LossName;
  /** glorotUniform when omitted, as in TF.js dense layers. */
  readonly initializer?: InitializerName;
}

/**
 * Trained values of one dense layer: H = activation(X·W + b), W [inputs × units],
 * b [1 × units].
 */
export interface LayerParameters {
  readonly W: import('../matrix.js').Matrix;
  readonly b: import('../matrix.js').Matrix;
}

/** The number of trainable values: Σ (inputs·units + units) over the layers. */
export function countParameters(definition: NetworkDefinition): number {
  let inputs = definition.inputSize;
  let total = 0;
  for (const layer of definition.layers) {
    total += inputs * layer.units + layer.units;
    inputs = layer.units;
  }
  return total;
}

/** Losses whose targets are classes, for which accuracy is reported. */
export function isClassificationLoss(loss: LossName): boolean {
  return loss === 'binaryCrossentropy' || loss === 'categoricalCrossentropy';
}

/** The width of the network's output. */
export function outputSize(definition: NetworkDefinition): number {
  return definition.layers[definition.layers.length - 1].units;
}
