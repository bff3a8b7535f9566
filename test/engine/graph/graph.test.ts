import { describe, expect, it } from 'vitest';
import {
  Graph,
  InvalidArgumentError,
  ShapeMismatchError,
  jsKernels,
  matrixFromRows,
} from '../../../src/engine/index.js';
import { add, matmul, multiply, sigmoid, sum } from '../../../src/engine/ops/registry.js';

describe('Graph', () => {
  it('records every node after the nodes it reads, in topological order', () => {
    const graph = new Graph(jsKernels);
    const x = graph.input('x', 2, 3);
    const w = graph.parameter('W', matrixFromRows([[1], [2], [3]]));
    const y = graph.apply(sigmoid, [graph.apply(matmul, [x, w], undefined)], undefined);
    graph.apply(sum, [y], undefined);

    graph.nodes.forEach((node, index) => {
      expect(node.id).toBe(index);
      for (const input of node.inputs) expect(input.id).toBeLessThan(node.id);
    });
  });

  it('replays every op when forward() runs after a parameter changed in place', () => {
    const graph = new Graph(jsKernels);
    const weights = matrixFromRows([[2]]);
    const x = graph.input('x', 1, 1);
    x.value[0] = 3;
    const y = graph.apply(matmul, [x, graph.parameter('W', weights)], undefined);
    expect(y.value[0]).toBe(6);

    weights.data[0] = -1;
    x.value[0] = 4;
    graph.forward();
    expect(y.value[0]).toBe(-4);
  });

  it('copies a constant, so later changes to the source matrix do not reach the graph', () => {
    const graph = new Graph(jsKernels);
    const source = matrixFromRows([[5]]);
    const c = graph.constant('c', source);
    source.data[0] = 7;
    expect(c.value[0]).toBe(5);
    expect(c.grad).toBeNull();
  });

  it('keeps no gradient buffer for data inputs and the ops fed only by them', () => {
    const graph = new Graph(jsKernels);
    const x = graph.input('x', 1, 2);
    const xs = graph.apply(sigmoid, [x], undefined);
    const w = graph.parameter('W', matrixFromRows([[1, 1]]));
    const y = graph.apply(multiply, [xs, w], undefined);
    expect(x.grad).toBeNull();
    expect(xs.grad).toBeNull();
    expect(y.grad).not.toBeNull();
    expect(graph.input('x2', 1, 2, { requiresGrad: true }).grad).not.toBeNull();
  });

  it('seeds ∂root/∂root = 1 and clears old gradients: a second pass gives the same result', () => {
    const graph = new Graph(jsKernels);
    const w = graph.parameter('W', matrixFromRows([[1, -2, 3]]));
    const root = graph.apply(sum, [graph.apply(multiply, [w, w], undefined)], undefined);

    graph.backward(root);
    const first = Array.from(w.grad!);
    graph.backward(root);

    expect(root.grad![0]).toBe(1);
    expect(first).toEqual([2, -4, 6]);
    expect(Array.from(w.grad!)).toEqual(first);
  });

  it('differentiates the given root only, ignoring nodes recorded after it', () => {
    const graph = new Graph(jsKernels);
    const w = graph.parameter('W', matrixFromRows([[1, 2]]));
    const root = graph.apply(sum, [w], undefined);
    const later = graph.apply(sum, [graph.apply(multiply, [w, w], undefined)], undefined);

    graph.backward(root);
    expect(Array.from(w.grad!)).toEqual([1, 1]);
    expect(later.grad![0]).toBe(0);
  });

  it('refuses to differentiate a root that is not 1 × 1, naming backward and the shape', () => {
    const graph = new Graph(jsKernels);
    const w = graph.parameter('W', matrixFromRows([[1, 2]]));
    const y = graph.apply(sigmoid, [w], undefined);
    expect(() => graph.backward(y)).toThrow(ShapeMismatchError);
    expect(() => graph.backward(y)).toThrow(/backward.*\[1, 2\]/);
  });

  it('refuses to differentiate a root no gradient flows into', () => {
    const graph = new Graph(jsKernels);
    const root = graph.apply(sum, [graph.input('x', 2, 2)], undefined);
    expect(() => graph.backward(root)).toThrow(InvalidArgumentError);
  });

  it('rejects the wrong number of inputs, naming the op', () => {
    const graph = new Graph(jsKernels);
    const w = graph.parameter('W', matrixFromRows([[1]]));
    expect(() => graph.apply(add, [w], undefined)).toThrow(InvalidArgumentError);
    expect(() => graph.apply(add, [w], undefined)).toThrow(/add: takes 2 inputs, got 1/);
  });

  it('rejects a node that belongs to another graph', () => {
    const graph = new Graph(jsKernels);
    const other = new Graph(jsKernels);
    const foreign = other.parameter('W', matrixFromRows([[1]]));
    expect(() => graph.apply(sigmoid, [foreign], undefined)).toThrow(/another graph/);
  });
});
