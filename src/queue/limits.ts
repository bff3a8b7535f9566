import type { Limits } from '../config.js';
import { countParameters, type NetworkDefinition } from '../engine/index.js';
import { LimitExceededError } from '../errors.js';

/** Refuses a network larger than the configured limits, naming the limit and the allowed value. */
export function checkNetworkLimits(
  definition: NetworkDefinition,
  limits: Limits,
  prefix = '',
): void {
  if (definition.layers.length > limits.layers) {
    throw new LimitExceededError(
      'layers',
      limits.layers,
      definition.layers.length,
      `${prefix}layers`,
    );
  }
  definition.layers.forEach((layer, index) => {
    if (layer.units > limits.units) {
      throw new LimitExceededError(
        'units per layer',
        limits.units,
        layer.units,
        `${prefix}layers[${index}].units`,
      );
    }
  });
  if (definition.inputSize > limits.datasetColumns) {
    throw new LimitExceededError(
      'inputSize',
      limits.datasetColumns,
      definition.inputSize,
      `${prefix}inputSize`,
    );
  }
  const parameters = countParameters(definition);
  if (parameters > limits.parameters) {
    throw new LimitExceededError(
      'parameters per network',
      limits.parameters,
      parameters,
      prefix.replace(/\.$/, '') || 'layers',
    );
  }
}

/** Refuses more training than allowed: epochs, and rows × epochs of work. */
export function checkTrainingLimits(epochs: number, trainingRows: number, limits: Limits): void {
  if (epochs > limits.epochs) {
    throw new LimitExceededError('epochs', limits.epochs, epochs, 'training.epochs');
  }
  const work = epochs * trainingRows;
  if (work > limits.work) {
    throw new LimitExceededError('rows × epochs', limits.work, work, 'training.epochs');
  }
}
