import { describe, expect, it } from 'vitest';
import {
  Graph,
  ShapeMismatchError,
  jsKernels,
  zerosMatrix,
  type Op,
} from '../../../src/engine/index.js';
import {
  add,
  biasAdd,
  binaryCrossentropy,
  categoricalCrossentropy,
  matmul,
  meanSquaredError,
  multiply,
  subtract,
} from '../../../src/engine/ops/registry.js';

/** Records `op` over two parameters of the given shapes and returns what it threw. */
function errorOf(op: Op<undefined>, left: [number, number], right: [number, number]): unknown {
  const graph = new Graph(jsKernels);
  const a = graph.parameter('a', zerosMatrix(...left));
  const b = graph.parameter('b', zerosMatrix(...right));
  try {
    graph.apply(op, [a, b], undefined);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectShapeMismatch(
  op: Op<undefined>,
  left: [number, number],
  right: [number, number],
): void {
  const error = errorOf(op, left, right);
  expect(error).toBeInstanceOf(ShapeMismatchError);
  const mismatch = error as ShapeMismatchError;
  expect(mismatch.code).toBe('SHAPE_MISMATCH');
  expect(mismatch.op).toBe(op.name);
  expect(mismatch.shapes).toEqual([left, right]);
  expect(mismatch.message).toContain(op.name);
  expect(mismatch.message).toContain(`[${left.join(', ')}]`);
  expect(mismatch.message).toContain(`[${right.join(', ')}]`);
}

describe('shape mismatches', () => {
  it('name matmul and both shapes when the inner dimensions differ', () => {
    expectShapeMismatch(matmul, [2, 3], [4, 5]);
    expect(errorOf(matmul, [2, 3], [3, 5])).toBeUndefined();
  });

  it('name biasAdd and both shapes when the bias is not one row as wide as the input', () => {
    expectShapeMismatch(biasAdd, [4, 3], [1, 2]);
    expectShapeMismatch(biasAdd, [4, 3], [2, 3]);
  });

  for (const op of [
    add,
    subtract,
    multiply,
    meanSquaredError,
    binaryCrossentropy,
    categoricalCrossentropy,
  ]) {
    it(`name ${op.name} and both shapes when the operands differ`, () => {
      expectShapeMismatch(op, [2, 3], [3, 2]);
      expectShapeMismatch(op, [2, 3], [2, 4]);
    });
  }

  it('throw before the op is recorded, leaving the graph unchanged', () => {
    const graph = new Graph(jsKernels);
    const a = graph.parameter('a', zerosMatrix(2, 3));
    const b = graph.parameter('b', zerosMatrix(2, 3));
    expect(() => graph.apply(matmul, [a, b], undefined)).toThrow(ShapeMismatchError);
    expect(graph.nodes).toHaveLength(2);
  });
});
