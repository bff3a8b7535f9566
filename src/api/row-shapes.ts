import { outputSize, type NetworkDefinition } from '../engine/index.js';
import { ShapeMismatchError } from '../errors.js';

/**
 * Checks that request rows fit a network: 422 SHAPE_MISMATCH naming the field and the expected
 * width. The rows themselves were already checked rectangular and finite by the body schema.
 */
export function checkInputRows(network: NetworkDefinition, inputs: readonly number[][]): void {
  const width = inputs[0].length;
  if (width === network.inputSize) return;
  throw new ShapeMismatchError(
    `the network takes ${network.inputSize} inputs per row; the rows have ${width}`,
    {
      errors: [
        {
          path: 'inputs',
          message:
            `rows have ${width} values; ` +
            `expected ${network.inputSize} (the network's inputSize)`,
        },
      ],
    },
  );
}

/** Targets as wide as the network's last layer, one row per input row. */
export function checkTargetRows(
  network: NetworkDefinition,
  inputs: readonly number[][],
  targets: readonly number[][],
): void {
  const units = outputSize(network);
  const width = targets[0].length;
  if (width !== units) {
    throw new ShapeMismatchError(
      `the network's last layer has ${units} units; the target rows have ${width}`,
      {
        errors: [
          {
            path: 'targets',
            message: `rows have ${width} values; expected ${units} (units of the last layer)`,
          },
        ],
      },
    );
  }
  if (targets.length !== inputs.length) {
    throw new ShapeMismatchError(`${inputs.length} input rows but ${targets.length} target rows`, {
      errors: [
        {
          path: 'targets',
          message: `${targets.length} rows; expected one per input row (${inputs.length})`,
        },
      ],
    });
  }
}
