import { z } from 'zod';

/** At most this many problems are listed for one matrix; more would only bloat the answer. */
const MAX_ISSUES = 20;

type Context = z.core.$RefinementCtx<unknown>;

/**
 * Checks a matrix of finite numbers with a plain loop (zod's per-element schemas cost ~10× more
 * on megabyte datasets) and reports problems by row and column: `inputs[3][1]`.
 */
function checkMatrix(value: unknown, context: Context): void {
  if (!Array.isArray(value) || value.length === 0) {
    context.addIssue({ code: 'custom', message: 'must be a non-empty array of rows' });
    return;
  }
  let width = -1;
  let issues = 0;
  const report = (path: (string | number)[], message: string): boolean => {
    context.addIssue({ code: 'custom', path, message });
    return ++issues >= MAX_ISSUES;
  };

  for (let row = 0; row < value.length; row++) {
    const cells: unknown = value[row];
    if (!Array.isArray(cells) || cells.length === 0) {
      if (report([row], `row ${row} must be a non-empty array of numbers`)) return;
      continue;
    }
    if (width === -1) width = cells.length;
    else if (cells.length !== width) {
      if (report([row], `row ${row} has ${cells.length} values; row 0 has ${width}`)) return;
      continue;
    }
    for (let column = 0; column < cells.length; column++) {
      const cell: unknown = cells[column];
      if (typeof cell !== 'number' || !Number.isFinite(cell)) {
        const shown =
          typeof cell === 'number' ? String(cell) : (JSON.stringify(cell) ?? 'undefined');
        if (report([row, column], `row ${row}, column ${column}: ${shown} is not a finite number`))
          return;
      }
    }
  }
}

/** A rectangular number[][] of finite values, validated fast and documented as such. */
export function matrixSchema(description: string, example: number[][]) {
  return z
    .custom<number[][]>(() => true)
    .superRefine(checkMatrix)
    .meta({
      type: 'array',
      items: { type: 'array', items: { type: 'number' }, minItems: 1 },
      minItems: 1,
      description,
      examples: [example],
    });
}

function checkVector(value: unknown, context: Context): void {
  if (!Array.isArray(value) || value.length === 0) {
    context.addIssue({ code: 'custom', message: 'must be a non-empty array of numbers' });
    return;
  }
  let issues = 0;
  for (let index = 0; index < value.length && issues < MAX_ISSUES; index++) {
    const cell: unknown = value[index];
    if (typeof cell !== 'number' || !Number.isFinite(cell)) {
      context.addIssue({
        code: 'custom',
        path: [index],
        message: `entry ${index} is not a finite number`,
      });
      issues++;
    }
  }
}

/** A number[] of finite values. */
export function vectorSchema(description: string, example: number[]) {
  return z
    .custom<number[]>(() => true)
    .superRefine(checkVector)
    .meta({
      type: 'array',
      items: { type: 'number' },
      minItems: 1,
      description,
      examples: [example],
    });
}

function checkLabels(value: unknown, context: Context): void {
  if (!Array.isArray(value) || value.length === 0) {
    context.addIssue({ code: 'custom', message: 'must be a non-empty array of class indices' });
    return;
  }
  let issues = 0;
  for (let index = 0; index < value.length && issues < MAX_ISSUES; index++) {
    const label: unknown = value[index];
    if (!Number.isSafeInteger(label) || (label as number) < 0) {
      context.addIssue({
        code: 'custom',
        path: [index],
        message: `row ${index}: ${JSON.stringify(label)} is not a class index (an integer ≥ 0)`,
      });
      issues++;
    }
  }
}

/** Integer class indices, one per row. */
export function labelsSchema(description: string, example: number[]) {
  return z
    .custom<number[]>(() => true)
    .superRefine(checkLabels)
    .meta({
      type: 'array',
      items: { type: 'integer', minimum: 0 },
      minItems: 1,
      description,
      examples: [example],
    });
}
