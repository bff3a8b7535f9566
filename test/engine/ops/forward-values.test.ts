import { describe, expect, it } from 'vitest';
import {
  Graph,
  jsKernels,
  matrixFromRows,
  matrixToRows,
  type Op,
} from '../../../src/engine/index.js';
import {
  biasAdd,
  binaryCrossentropy,
  categoricalCrossentropy,
  leakyRelu,
  matmul,
  mean,
  meanSquaredError,
  relu,
  sigmoid,
  softmax,
  sum,
} from '../../../src/engine/ops/registry.js';

/** Applies `op` to parameter leaves built from nested rows. */
function applyTo<Attrs>(op: Op<Attrs>, operands: number[][][], attrs: Attrs) {
  const graph = new Graph(jsKernels);
  const leaves = operands.map((rows, index) => graph.parameter(`x${index}`, matrixFromRows(rows)));
  return { graph, leaves, node: graph.apply(op, leaves, attrs) };
}

function valueOf<Attrs>(op: Op<Attrs>, operands: number[][][], attrs: Attrs): number[][] {
  const { node } = applyTo(op, operands, attrs);
  return matrixToRows({ rows: node.rows, cols: node.cols, data: node.value });
}

const scalarOf = <Attrs>(op: Op<Attrs>, operands: number[][][], attrs: Attrs): number =>
  applyTo(op, operands, attrs).node.value[0];

describe('matmul', () => {
  it('multiplies rows by columns', () => {
    expect(
      valueOf(
        matmul,
        [
          [
            [1, 2],
            [3, 4],
          ],
          [[5], [6]],
        ],
        undefined,
      ),
    ).toEqual([[17], [39]]);
  });
});

describe('biasAdd', () => {
  it('adds the bias row to every row', () => {
    expect(
      valueOf(
        biasAdd,
        [
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          [[10, 20]],
        ],
        undefined,
      ),
    ).toEqual([
      [11, 22],
      [13, 24],
      [15, 26],
    ]);
  });
});

describe('sigmoid', () => {
  it('is 1/2 at 0 and saturates without overflow', () => {
    const [[atZero, veryNegative, veryPositive]] = valueOf(sigmoid, [[[0, -800, 800]]], undefined);
    expect(atZero).toBe(0.5);
    expect(veryNegative).toBe(0);
    expect(veryPositive).toBe(1);
  });
});

describe('relu', () => {
  it('passes positives and zeroes the rest', () => {
    // Adding +0 turns the −0 that 0·(−2) gives into +0: both are zero here.
    const [row] = valueOf(relu, [[[-2, 0, 3]]], undefined);
    expect(row.map((value) => value + 0)).toEqual([0, 0, 3]);
  });

  it('has gradient 0 at exactly 0, as TF.js defines it', () => {
    const { graph, leaves, node } = applyTo(relu, [[[0, 1]]], undefined);
    graph.backward(graph.apply(sum, [node], undefined));
    expect(Array.from(leaves[0].grad!)).toEqual([0, 1]);
  });
});

describe('leakyRelu', () => {
  it('scales negatives by α', () => {
    const [row] = valueOf(leakyRelu, [[[-2, 0, 3]]], { alpha: 0.2 });
    expect(row.map((value) => value + 0)).toEqual([-0.4, 0, 3]);
  });
});

describe('softmax', () => {
  it('gives e^x / Σ e^x per row', () => {
    const [[a, b]] = valueOf(softmax, [[[0, Math.log(3)]]], undefined);
    expect(a).toBeCloseTo(0.25, 15);
    expect(b).toBeCloseTo(0.75, 15);
  });

  it('stays finite for logits whose exponentials overflow', () => {
    const shifted = valueOf(
      softmax,
      [
        [
          [1000, 1001, 1002],
          [-1000, -1001, -1002],
        ],
      ],
      undefined,
    );
    const plain = valueOf(
      softmax,
      [
        [
          [0, 1, 2],
          [0, -1, -2],
        ],
      ],
      undefined,
    );
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 3; c++) expect(shifted[r][c]).toBeCloseTo(plain[r][c], 14);
    }
  });
});

describe('sum and mean', () => {
  it('reduce every element to one value', () => {
    expect(
      scalarOf(
        sum,
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        undefined,
      ),
    ).toBe(10);
    expect(
      scalarOf(
        mean,
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
        undefined,
      ),
    ).toBe(2.5);
  });
});

// The loss definitions of shared/API.md ("Numbers"), worked by hand.
describe('meanSquaredError', () => {
  it('averages the squared errors over samples and outputs', () => {
    expect(
      scalarOf(
        meanSquaredError,
        [
          [
            [1, 2],
            [3, 4],
          ],
          [
            [0, 2],
            [3, 2],
          ],
        ],
        undefined,
      ),
    ).toBe(5 / 4);
  });
});

describe('binaryCrossentropy', () => {
  it('averages −[y·ln p + (1 − y)·ln(1 − p)] over samples and outputs', () => {
    const value = scalarOf(
      binaryCrossentropy,
      [
        [
          [0.9, 0.2],
          [0.6, 0.3],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ],
      undefined,
    );
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.3)) / 4;
    expect(value).toBeCloseTo(expected, 14);
  });

  it('clips predictions to [1e-7, 1 − 1e-7] and passes no gradient through the clip', () => {
    const { graph, leaves, node } = applyTo(binaryCrossentropy, [[[0, 1]], [[1, 0]]], undefined);
    expect(node.value[0]).toBeCloseTo(-Math.log(1e-7), 6);
    graph.backward(node);
    expect(Array.from(leaves[0].grad!)).toEqual([0, 0]);
  });
});

describe('categoricalCrossentropy', () => {
  it('sums −y·ln p over classes and averages over samples', () => {
    const value = scalarOf(
      categoricalCrossentropy,
      [
        [
          [0.7, 0.2, 0.1],
          [0.1, 0.1, 0.8],
        ],
        [
          [1, 0, 0],
          [0, 0, 1],
        ],
      ],
      undefined,
    );
    expect(value).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8)) / 2, 14);
  });

  it('normalises each prediction row by its sum first, as TF.js does', () => {
    const normalised = scalarOf(
      categoricalCrossentropy,
      [[[0.7, 0.2, 0.1]], [[0, 1, 0]]],
      undefined,
    );
    const unnormalised = scalarOf(
      categoricalCrossentropy,
      [[[1.4, 0.4, 0.2]], [[0, 1, 0]]],
      undefined,
    );
    expect(unnormalised).toBeCloseTo(normalised, 14);
    expect(normalised).toBeCloseTo(-Math.log(0.2), 14);
  });

  it('costs a large but finite amount for a class predicted with probability 0', () => {
    const value = scalarOf(categoricalCrossentropy, [[[1, 0]], [[0, 1]]], undefined);
    expect(value).toBeCloseTo(-Math.log(1e-7), 6);
  });
});
