import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { cloneMatrix, zerosMatrix } from '../matrix.js';
import type { Random } from '../random.js';
import {
  ACTIVATIONS,
  INITIALIZERS,
  LOSSES,
  type LayerParameters,
  type NetworkDefinition,
} from './definition.js';
import { initializeWeights } from './initializers.js';

/**
 * Checks what the engine needs of a definition to build a graph from it. The service validates
 * requests first and reports every problem; this guard makes the engine safe on its own.
 */
export function validateNetwork(definition: NetworkDefinition): void {
  const positive = (value: number): boolean => Number.isInteger(value) && value > 0;
  if (!positive(definition.inputSize)) {
    throw new InvalidArgumentError('inputSize', 'must be a positive integer');
  }
  if (definition.layers.length === 0) {
    throw new InvalidArgumentError('layers', 'must hold at least one layer');
  }
  definition.layers.forEach((layer, index) => {
    if (!positive(layer.units)) {
      throw new InvalidArgumentError(`layers[${index}].units`, 'must be a positive integer');
    }
    if (!ACTIVATIONS.includes(layer.activation)) {
      throw new InvalidArgumentError(
        `layers[${index}].activation`,
        `unknown activation ${layer.activation}`,
      );
    }
    if (layer.activation === 'softmax' && index !== definition.layers.length - 1) {
      throw new InvalidArgumentError(
        `layers[${index}].activation`,
        'softmax is allowed on the last layer only',
      );
    }
  });
  if (!LOSSES.includes(definition.loss)) {
    throw new InvalidArgumentError('loss', `unknown loss ${definition.loss}`);
  }
  if (definition.initializer !== undefined && !INITIALIZERS.includes(definition.initializer)) {
    throw new InvalidArgumentError('initializer', `unknown initializer ${definition.initializer}`);
  }
}

/** Fresh weights from the definition's initializer, layer by layer; biases start at zero. */
export function initializeParameters(
  definition: NetworkDefinition,
  random: Random,
): LayerParameters[] {
  const initializer = definition.initializer ?? 'glorotUniform';
  let inputs = definition.inputSize;
  return definition.layers.map((layer) => {
    const W = zerosMatrix(inputs, layer.units);
    initializeWeights(initializer, W.data, inputs, layer.units, random);
    inputs = layer.units;
    return { W, b: zerosMatrix(1, layer.units) };
  });
}

/** Throws ShapeMismatchError unless `layers` has the definition's count and shapes. */
export function checkParameterShapes(
  definition: NetworkDefinition,
  layers: readonly LayerParameters[],
): void {
  if (layers.length !== definition.layers.length) {
    throw new ShapeMismatchError(
      'layers',
      [[layers.length], [definition.layers.length]],
      `${layers.length} layers of weights for a network of ${definition.layers.length} layers`,
    );
  }
  let inputs = definition.inputSize;
  definition.layers.forEach((spec, index) => {
    const { W, b } = layers[index];
    if (W.rows !== inputs || W.cols !== spec.units) {
      throw new ShapeMismatchError(
        `layers[${index}].W`,
        [
          [W.rows, W.cols],
          [inputs, spec.units],
        ],
        'W must be [inputs][units]',
      );
    }
    if (b.rows !== 1 || b.cols !== spec.units) {
      throw new ShapeMismatchError(
        `layers[${index}].b`,
        [[b.cols], [spec.units]],
        'b must have one entry per unit',
      );
    }
    inputs = spec.units;
  });
}

export function cloneParameters(layers: readonly LayerParameters[]): LayerParameters[] {
  return layers.map(({ W, b }) => ({ W: cloneMatrix(W), b: cloneMatrix(b) }));
}

/**
 * The layers' buffers in a fixed order, W₁, b₁, W₂, b₂, …: the order optimizers and
 * checkpoints use.
 */
export function parameterBuffers(layers: readonly LayerParameters[]): Float64Array[] {
  return layers.flatMap(({ W, b }) => [W.data, b.data]);
}
