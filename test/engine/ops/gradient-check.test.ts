import { describe, expect, it } from 'vitest';
import {
  Graph,
  LOSSES,
  OPS,
  Random,
  jsKernels,
  opRegistry,
  type Matrix,
  type Node,
  type Op,
} from '../../../src/engine/index.js';
import {
  add,
  log,
  matmul,
  meanSquaredError,
  multiply,
  scale,
  sigmoid,
  sum,
} from '../../../src/engine/ops/registry.js';
import type { OpName } from '../../../src/engine/ops/registry.js';
import {
  centralDifferences,
  expectClose,
  largestMagnitude,
  randomBits,
  randomMatrix,
  randomMatrixAwayFromZero,
  randomOneHot,
} from '../support/numeric.js';

/**
 * Finite-difference gradient checks, driven by the op registry itself: every op in OPS must
 * have at least one case below, so an op added without a check fails this suite.
 *
 * Each case feeds every operand in as a parameter (so each takes a gradient, the losses'
 * targets included), reduces the op's output to a scalar cost Σ R ⊙ op(…) with a random
 * constant R (so backward sees an incoming gradient other than 1), and compares the gradient
 * Graph.backward leaves in every operand with central differences of that cost.
 */

const TOLERANCE = 1e-6;

interface GradientCase {
  readonly description: string;
  readonly operands: readonly Matrix[];
  readonly attrs?: unknown;
}

const random = new Random(20240601);
const values = (rows: number, cols: number, min = -2, max = 2) =>
  randomMatrix(random, rows, cols, min, max);
// Probabilities kept well inside the cross-entropies' clip range [1e-7, 1 − 1e-7].
const probabilities = (rows: number, cols: number) => randomMatrix(random, rows, cols, 0.05, 0.95);

const CASES: Record<OpName, readonly GradientCase[]> = {
  matmul: [
    { description: 'for a 3×4 by 4×2 product', operands: [values(3, 4), values(4, 2)] },
    {
      description: 'for a row times a column (1×5 by 5×1)',
      operands: [values(1, 5), values(5, 1)],
    },
    { description: 'for an outer product (4×1 by 1×3)', operands: [values(4, 1), values(1, 3)] },
  ],
  biasAdd: [
    { description: 'with the bias broadcast over 3 rows', operands: [values(3, 4), values(1, 4)] },
  ],
  add: [{ description: 'for 3×4 operands', operands: [values(3, 4), values(3, 4)] }],
  subtract: [{ description: 'for 3×4 operands', operands: [values(3, 4), values(3, 4)] }],
  multiply: [{ description: 'for 3×4 operands', operands: [values(3, 4), values(3, 4)] }],
  scale: [{ description: 'by −1.7', operands: [values(2, 3)], attrs: { factor: -1.7 } }],
  sigmoid: [{ description: 'over [−4, 4]', operands: [values(3, 4, -4, 4)] }],
  tanh: [{ description: 'over [−3, 3]', operands: [values(3, 4, -3, 3)] }],
  relu: [
    { description: 'away from the kink at 0', operands: [randomMatrixAwayFromZero(random, 3, 4)] },
  ],
  leakyRelu: [
    {
      description: 'with the default α = 0.2',
      operands: [randomMatrixAwayFromZero(random, 3, 4)],
      attrs: { alpha: 0.2 },
    },
    {
      description: 'with α = 0.05',
      operands: [randomMatrixAwayFromZero(random, 3, 4)],
      attrs: { alpha: 0.05 },
    },
  ],
  linear: [{ description: 'for a 3×4 value', operands: [values(3, 4)] }],
  softmax: [
    { description: 'row by row', operands: [values(3, 4, -3, 3)] },
    // Logits near 700 would overflow e^x without the row-maximum shift.
    { description: 'for logits near 700', operands: [values(3, 4, 699, 703)] },
  ],
  exp: [{ description: 'over [−2, 2]', operands: [values(3, 4)] }],
  log: [{ description: 'over positive values', operands: [values(3, 4, 0.3, 3)] }],
  sum: [{ description: 'of a 3×4 value', operands: [values(3, 4)] }],
  mean: [{ description: 'of a 3×4 value', operands: [values(3, 4)] }],
  meanSquaredError: [
    { description: 'w.r.t. predictions and targets', operands: [values(4, 3), values(4, 3)] },
  ],
  binaryCrossentropy: [
    {
      description: 'w.r.t. predictions and soft targets',
      operands: [probabilities(4, 3), probabilities(4, 3)],
    },
    {
      description: 'w.r.t. predictions and 0/1 targets',
      operands: [probabilities(4, 3), randomBits(random, 4, 3)],
    },
  ],
  categoricalCrossentropy: [
    // Predictions that do not sum to 1 exercise the normalisation by the row sum.
    {
      description: 'w.r.t. unnormalised predictions and one-hot targets',
      operands: [randomMatrix(random, 4, 3, 0.2, 2), randomOneHot(random, 4, 3)],
    },
    {
      description: 'w.r.t. predictions and soft targets',
      operands: [randomMatrix(random, 4, 3, 0.2, 2), probabilities(4, 3)],
    },
  ],
};

/** Records the op over fresh copies of the operands and a cost Σ R ⊙ output. */
function recordCost(op: Op<unknown>, operands: readonly Matrix[], attrs: unknown) {
  const graph = new Graph(jsKernels);
  const leaves = operands.map((operand, index) =>
    graph.parameter(`operand${index}`, { ...operand, data: operand.data.slice() }),
  );
  const output = graph.apply(op, leaves, attrs);
  const weights = graph.constant('R', randomMatrix(random, output.rows, output.cols, 0.5, 1.5));
  const cost = graph.apply(sum, [graph.apply(multiply, [output, weights], undefined)], undefined);
  return { graph, leaves, cost };
}

/** Backward from `cost`, then central differences of the forward pass w.r.t. every leaf. */
function checkGradients(graph: Graph, leaves: readonly Node[], cost: Node): void {
  graph.forward();
  graph.backward(cost);
  const analytic = leaves.map((leaf) => leaf.grad!.slice());

  leaves.forEach((leaf, index) => {
    const numeric = centralDifferences(() => {
      graph.forward();
      return cost.value[0];
    }, leaf.value);

    // A check where both sides are zero would pass for a backward that does nothing.
    expect(largestMagnitude(numeric), `∂cost/∂operand${index} is not trivially 0`).toBeGreaterThan(
      1e-3,
    );
    expectClose(analytic[index], numeric, TOLERANCE, `∂cost/∂operand${index}`);
  });
}

describe('the gradient of every registered op', () => {
  it('has check cases for exactly the ops in the registry', () => {
    expect(Object.keys(CASES).sort()).toEqual(OPS.map((op) => op.name).sort());
  });

  it('covers every loss a network can use', () => {
    for (const loss of LOSSES) expect(opRegistry.has(loss), loss).toBe(true);
  });

  for (const op of OPS) {
    describe(op.name, () => {
      const cases = (CASES as Partial<Record<string, readonly GradientCase[]>>)[op.name] ?? [];

      it('has a finite-difference check case', () => {
        expect(cases.length).toBeGreaterThan(0);
      });

      for (const testCase of cases) {
        it(`matches central differences ${testCase.description}`, () => {
          expect(testCase.operands).toHaveLength(op.arity);
          const { graph, leaves, cost } = recordCost(
            op as Op<unknown>,
            testCase.operands,
            testCase.attrs,
          );
          checkGradients(graph, leaves, cost);
        });
      }
    });
  }
});

describe('a value that feeds two ops', () => {
  /** Builds a cost from one shared leaf `x` and checks ∂cost/∂x against finite differences. */
  function checkShared(x: Matrix, build: (graph: Graph, x: Node) => Node): void {
    const graph = new Graph(jsKernels);
    const leaf = graph.parameter('x', { ...x, data: x.data.slice() });
    const output = build(graph, leaf);
    const cost = output.size === 1 ? output : graph.apply(sum, [output], undefined);
    checkGradients(graph, [leaf], cost);
  }

  it('receives both contributions from multiply(W, W)', () => {
    const w = values(3, 4);
    checkShared(w, (graph, x) => graph.apply(multiply, [x, x], undefined));

    // d(ΣW²)/dW = 2W by hand, as a second opinion.
    const graph = new Graph(jsKernels);
    const leaf = graph.parameter('W', { ...w, data: w.data.slice() });
    const cost = graph.apply(sum, [graph.apply(multiply, [leaf, leaf], undefined)], undefined);
    graph.backward(cost);
    expectClose(
      leaf.grad!,
      w.data.map((value) => 2 * value),
      1e-15,
      '∂ΣW²/∂W',
    );
  });

  it('receives both contributions from matmul(A, A)', () => {
    checkShared(values(3, 3), (graph, x) => graph.apply(matmul, [x, x], undefined));
  });

  it('receives both contributions when it feeds add and sigmoid', () => {
    checkShared(values(3, 4), (graph, x) =>
      graph.apply(add, [x, graph.apply(sigmoid, [x], undefined)], undefined),
    );
  });

  it('receives both contributions as a loss prediction and, scaled, as its target', () => {
    checkShared(values(3, 2), (graph, x) =>
      graph.apply(meanSquaredError, [x, graph.apply(scale, [x], { factor: 0.25 })], undefined),
    );
  });

  it('receives contributions through a chain of ops and directly', () => {
    checkShared(values(2, 3, 0.5, 2), (graph, x) => {
      const logged = graph.apply(log, [x], undefined);
      return graph.apply(multiply, [logged, x], undefined);
    });
  });
});
