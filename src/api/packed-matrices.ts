import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A parsed JSON value whose matrices (arrays of equally long arrays of numbers: datasets,
 * prediction inputs) travel apart as one Float64Array. Cloning the value between threads would
 * rebuild every row array on the receiving thread, slower than parsing the text there; the
 * numbers are transferred instead, and the rows rebuilt a slice at a time (unpackMatrices).
 */
export interface PackedJson {
  /** The value with every packed matrix replaced by null (null itself when it was one). */
  readonly value: unknown;
  /** Where each packed matrix was, and its shape; its numbers follow the previous one's. */
  readonly matrices: readonly PackedMatrix[];
  readonly numbers: Float64Array;
}

export interface PackedMatrix {
  /** Keys and indices from the root down to the matrix; empty for the root itself. */
  readonly path: readonly (string | number)[];
  readonly rows: number;
  readonly cols: number;
}

/** Matrices with fewer numbers stay in the value: packing them would save nothing. */
const MIN_PACKED_NUMBERS = 1024;

/** Takes the matrices out of a value just parsed (which it changes) into one Float64Array. */
export function packMatrices(value: unknown): PackedJson {
  const found: { path: (string | number)[]; rows: number[][] }[] = [];

  // Paths are only built for arrays and objects: a number never holds a matrix.
  const visit = (node: unknown, path: (string | number)[]): boolean => {
    if (!isObject(node)) return false;
    if (Array.isArray(node)) {
      if (isLargeMatrix(node)) {
        found.push({ path, rows: node });
        return true;
      }
      node.forEach((item, index) => {
        if (isObject(item) && visit(item, [...path, index])) node[index] = null;
      });
      return false;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (isObject(record[key]) && visit(record[key], [...path, key])) record[key] = null;
    }
    return false;
  };
  const rootIsMatrix = visit(value, []);

  const total = found.reduce((sum, { rows }) => sum + rows.length * rows[0].length, 0);
  const numbers = new Float64Array(total);
  let offset = 0;
  for (const { rows } of found) {
    for (const row of rows) {
      numbers.set(row, offset);
      offset += row.length;
    }
  }
  const matrices = found.map(({ path, rows }) => ({
    path,
    rows: rows.length,
    cols: rows[0].length,
  }));
  return { value: rootIsMatrix ? null : value, matrices, numbers };
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function isLargeMatrix(node: unknown[]): node is number[][] {
  const first = node[0];
  if (!Array.isArray(first) || first.length === 0) return false;
  const cols = first.length;
  if (node.length * cols < MIN_PACKED_NUMBERS) return false;
  for (const row of node) {
    if (!Array.isArray(row) || row.length !== cols) return false;
    for (const item of row) if (typeof item !== 'number') return false;
  }
  return true;
}

/**
 * The value packMatrices took apart, whole again: every row rebuilt as the array JSON.parse
 * would have made, `numbersPerTurn` numbers per turn of the event loop, so that other requests
 * are answered in between.
 */
export async function unpackMatrices(
  packed: PackedJson,
  numbersPerTurn = 1 << 16,
): Promise<unknown> {
  const { numbers } = packed;
  let root = packed.value;
  let offset = 0;
  let budget = numbersPerTurn;
  for (const { path, rows, cols } of packed.matrices) {
    const matrix: number[][] = new Array(rows);
    for (let row = 0; row < rows; row++) {
      if (budget <= 0) {
        await nextTurn();
        budget = numbersPerTurn;
      }
      const values: number[] = [];
      for (let col = 0; col < cols; col++) values.push(numbers[offset + col]);
      matrix[row] = values;
      offset += cols;
      budget -= cols;
    }
    if (path.length === 0) root = matrix;
    else setAtPath(root, path, matrix);
  }
  return root;
}

function setAtPath(root: unknown, path: readonly (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (let depth = 0; depth < path.length - 1; depth++) {
    node = node[path[depth]] as Record<string | number, unknown>;
  }
  node[path[path.length - 1]] = value;
}
