import type { Limits } from '../config.js';
import { LimitExceededError, ValidationError } from '../errors.js';
import { datasetDigest } from '../storage/codec.js';
import { newId } from '../storage/ids.js';
import type { NewDataset } from '../storage/records.js';
import type { DatasetBody } from './schemas/dataset.js';

/**
 * A dataset ready to store, from a validated JSON body (or a parsed CSV): matrices flattened to
 * float64, labels turned one-hot, row counts matched, limits applied. `pathPrefix` places
 * problems inside a larger body (`dataset.` for a job's inline dataset).
 */
export function buildDataset(
  body: DatasetBody,
  tenant: string,
  limits: Limits,
  pathPrefix = '',
): NewDataset {
  const inputs = body.inputs;
  const rows = inputs.length;
  const inputSize = inputs[0].length;
  const targetRows = body.targets?.length ?? body.labels!.length;
  if (targetRows !== rows) {
    const field = body.targets ? 'targets' : 'labels';
    throw new ValidationError([
      { path: `${pathPrefix}${field}`, message: `has ${targetRows} rows; inputs has ${rows}` },
    ]);
  }

  let targetSize: number;
  let targets: Float64Array;
  if (body.targets) {
    targetSize = body.targets[0].length;
    checkLimits(rows, inputSize, targetSize, limits, pathPrefix);
    targets = flatten(body.targets, targetSize);
  } else {
    const labels = body.labels!;
    const largest = labels.reduce((max, label) => Math.max(max, label), 0);
    targetSize = body.classes ?? largest + 1;
    if (largest >= targetSize) {
      const row = labels.findIndex((label) => label >= targetSize);
      throw new ValidationError([
        {
          path: `${pathPrefix}labels[${row}]`,
          message: `row ${row}: class ${labels[row]} is not below classes (${targetSize})`,
        },
      ]);
    }
    checkLimits(rows, inputSize, targetSize, limits, pathPrefix);
    targets = new Float64Array(rows * targetSize);
    labels.forEach((label, row) => {
      targets[row * targetSize + label] = 1;
    });
  }

  const inputValues = flatten(inputs, inputSize);
  return {
    id: newId('ds'),
    tenant,
    name: body.name ?? null,
    rows,
    inputSize,
    targetSize,
    inputs: inputValues,
    targets,
    sha256: datasetDigest(rows, inputSize, targetSize, inputValues, targets),
    createdAt: new Date().toISOString(),
  };
}

function checkLimits(
  rows: number,
  inputSize: number,
  targetSize: number,
  limits: Limits,
  prefix: string,
): void {
  if (rows > limits.datasetRows) {
    throw new LimitExceededError('dataset rows', limits.datasetRows, rows, `${prefix}inputs`);
  }
  const columns = inputSize + targetSize;
  if (columns > limits.datasetColumns) {
    throw new LimitExceededError(
      'dataset columns',
      limits.datasetColumns,
      columns,
      `${prefix}inputs[0]`,
    );
  }
  const bytes = rows * columns * 8;
  if (bytes > limits.datasetBytes) {
    throw new LimitExceededError('dataset bytes', limits.datasetBytes, bytes, `${prefix}inputs`);
  }
}

function flatten(rows: readonly (readonly number[])[], width: number): Float64Array {
  const values = new Float64Array(rows.length * width);
  for (let row = 0; row < rows.length; row++) values.set(rows[row], row * width);
  return values;
}
