import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import type { Kernels } from '../kernels/index.js';
import type { Matrix } from '../matrix.js';
import { Node, type NodeKind } from './node.js';
import type { Op } from './op.js';

/**
 * A recorded computational graph (a tape). Every op applied through `apply` runs its forward
 * pass at once and is appended to `nodes`, which is therefore in topological order: an op can
 * only take nodes that already exist. `forward()` replays the tape after leaf values changed
 * (the training loop does this for every batch), and `backward(root)` walks it in reverse,
 * applying the chain rule.
 */
export class Graph {
  readonly nodes: Node[] = [];

  constructor(readonly kernels: Kernels) {}

  /** A value fed from outside, such as a batch of inputs. Its buffer is owned by the graph. */
  input(name: string, rows: number, cols: number, options: { requiresGrad?: boolean } = {}): Node {
    const value = new Float64Array(rows * cols);
    return this.leaf('input', name, rows, cols, value, options.requiresGrad ?? false);
  }

  /**
   * A trained parameter. The node shares the matrix's buffer, so an optimizer that updates the
   * matrix in place is seen by the next forward pass without copying. Inference passes
   * `requiresGrad: false`: then neither it nor any op it feeds allocates a gradient buffer.
   */
  parameter(name: string, matrix: Matrix, options: { requiresGrad?: boolean } = {}): Node {
    return this.leaf(
      'parameter',
      name,
      matrix.rows,
      matrix.cols,
      matrix.data,
      options.requiresGrad ?? true,
    );
  }

  /** A fixed value that no gradient flows into. */
  constant(name: string, matrix: Matrix): Node {
    return this.leaf('constant', name, matrix.rows, matrix.cols, matrix.data.slice(), false);
  }

  /** Records `op` applied to `inputs` and computes its value. */
  apply<Attrs>(op: Op<Attrs>, inputs: readonly Node[], attrs: Attrs, name?: string): Node<Attrs> {
    if (inputs.length !== op.arity) {
      throw new InvalidArgumentError(op.name, `takes ${op.arity} inputs, got ${inputs.length}`);
    }
    for (const input of inputs) {
      if (this.nodes[input.id] !== input) {
        throw new InvalidArgumentError(op.name, `input node ${input.id} belongs to another graph`);
      }
    }

    const [rows, cols] = op.outputShape(inputs, attrs);
    const needsGrad = inputs.some((input) => input.grad !== null);
    const node = new Node<Attrs>(
      this.nodes.length,
      'op',
      op.name,
      op,
      inputs,
      attrs,
      rows,
      cols,
      new Float64Array(rows * cols),
      needsGrad ? new Float64Array(rows * cols) : null,
      name,
    );
    this.nodes.push(node as Node);
    op.forward(node, this.kernels);
    return node;
  }

  /** Recomputes every op's value in recorded order, after leaf values were overwritten. */
  forward(): void {
    const { nodes, kernels } = this;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      if (node.op !== null) node.op.forward(node, kernels);
    }
  }

  /**
   * Reverse-mode differentiation of `root` (a 1 × 1 cost) with respect to every node with a
   * gradient buffer: clears all gradients, seeds ∂root/∂root = 1, then lets each op, latest
   * first, add its local derivative times its incoming gradient into its inputs' gradients.
   */
  backward(root: Node): void {
    if (root.size !== 1) {
      throw new ShapeMismatchError(
        'backward',
        [root.shape],
        'the differentiated root must be 1 × 1',
      );
    }
    if (root.grad === null) {
      throw new InvalidArgumentError(
        'backward',
        'no parameter or input with a gradient feeds the root',
      );
    }

    const { nodes, kernels } = this;
    for (let i = 0; i < nodes.length; i++) nodes[i].grad?.fill(0);
    root.grad[0] = 1;

    for (let i = root.id; i >= 0; i--) {
      const node = nodes[i];
      if (node.op !== null && node.grad !== null) node.op.backward(node, kernels);
    }
  }

  private leaf(
    kind: NodeKind,
    name: string,
    rows: number,
    cols: number,
    value: Float64Array,
    requiresGrad: boolean,
  ): Node {
    if (value.length !== rows * cols) {
      throw new ShapeMismatchError(
        kind,
        [[rows, cols], [value.length]],
        `${name} has the wrong size`,
      );
    }
    const grad = requiresGrad ? new Float64Array(rows * cols) : null;
    const node = new Node(
      this.nodes.length,
      kind,
      kind,
      null,
      [],
      undefined,
      rows,
      cols,
      value,
      grad,
      name,
    );
    this.nodes.push(node);
    return node;
  }
}
