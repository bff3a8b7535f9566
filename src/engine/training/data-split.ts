import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { NetworkDefinition } from '../network/definition.js';
import { outputSize } from '../network/definition.js';

export interface TrainingData {
  readonly inputs: Matrix;
  readonly targets: Matrix;
}

/** The rows a run trains on and the rows it validates on. */
export interface DataSplit {
  readonly training: TrainingData;
  readonly validation: TrainingData | null;
}

/** Checks the data against the network, then holds out the last rows for validation. */
export function splitData(
  definition: NetworkDefinition,
  data: TrainingData,
  validationSplit: number,
): DataSplit {
  const { inputs, targets } = data;
  if (inputs.cols !== definition.inputSize) {
    throw new ShapeMismatchError(
      'dataset.inputs',
      [
        [inputs.rows, inputs.cols],
        [inputs.rows, definition.inputSize],
      ],
      `the network takes ${definition.inputSize} inputs per row`,
    );
  }
  if (targets.cols !== outputSize(definition)) {
    throw new ShapeMismatchError(
      'dataset.targets',
      [
        [targets.rows, targets.cols],
        [targets.rows, outputSize(definition)],
      ],
      `the network's last layer has ${outputSize(definition)} units`,
    );
  }
  if (targets.rows !== inputs.rows) {
    throw new ShapeMismatchError(
      'dataset',
      [[inputs.rows], [targets.rows]],
      'inputs and targets must have the same number of rows',
    );
  }

  // As TF.js does: the split point is floor(rows · (1 − split)), and the tail validates.
  const trainingRows = Math.floor(inputs.rows * (1 - validationSplit));
  if (trainingRows < 1) {
    throw new InvalidArgumentError(
      'validationSplit',
      `leaves no training rows out of ${inputs.rows}`,
    );
  }
  if (trainingRows === inputs.rows) return { training: data, validation: null };

  return {
    training: { inputs: head(inputs, trainingRows), targets: head(targets, trainingRows) },
    validation: { inputs: tail(inputs, trainingRows), targets: tail(targets, trainingRows) },
  };
}

function head(matrix: Matrix, rows: number): Matrix {
  return { rows, cols: matrix.cols, data: matrix.data.subarray(0, rows * matrix.cols) };
}

function tail(matrix: Matrix, from: number): Matrix {
  return {
    rows: matrix.rows - from,
    cols: matrix.cols,
    data: matrix.data.subarray(from * matrix.cols),
  };
}
