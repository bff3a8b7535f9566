/**
 * A dense row-major 2-D matrix over a flat Float64Array: element (i, j) is data[i * cols + j].
 * Every tensor in the engine is one of these; a bias vector is a 1 × units matrix.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zerosMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Copies nested rows into a matrix. The caller has checked that the rows are rectangular. */
export function matrixFromRows(
  rows: readonly (readonly number[])[],
  cols = rows[0]?.length ?? 0,
): Matrix {
  const data = new Float64Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) data.set(rows[i], i * cols);
  return { rows: rows.length, cols, data };
}

export function matrixToRows(matrix: Matrix): number[][] {
  const out: number[][] = new Array(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) {
    out[i] = Array.from(matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols));
  }
  return out;
}

export function cloneMatrix(matrix: Matrix): Matrix {
  return { rows: matrix.rows, cols: matrix.cols, data: matrix.data.slice() };
}

/** The rows `indices` of `source`, in that order, written into `target` (which must fit). */
export function gatherRows(
  source: Matrix,
  indices: ArrayLike<number>,
  from: number,
  count: number,
  target: Float64Array,
): void {
  const cols = source.cols;
  for (let r = 0; r < count; r++) {
    const row = indices[from + r];
    target.set(source.data.subarray(row * cols, row * cols + cols), r * cols);
  }
}

export function shapeOf(matrix: Pick<Matrix, 'rows' | 'cols'>): [number, number] {
  return [matrix.rows, matrix.cols];
}
