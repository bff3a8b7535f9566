import type { Op } from './op.js';

/** What a node is: a value fed in from outside, a trained parameter, a fixed constant, or an op. */
export type NodeKind = 'input' | 'parameter' | 'constant' | 'op';

/**
 * One vertex of the computational graph: a rows × cols value and, when a gradient flows through
 * it, a gradient buffer of the same shape. Buffers are allocated once when the node is recorded
 * and reused by every later forward and backward pass over the same graph.
 */
export class Node<Attrs = unknown> {
  constructor(
    readonly id: number,
    readonly kind: NodeKind,
    /** The op's registry name, or the kind for leaves ('input', 'parameter', 'constant'). */
    readonly opName: string,
    readonly op: Op<Attrs> | null,
    readonly inputs: readonly Node[],
    readonly attrs: Attrs,
    readonly rows: number,
    readonly cols: number,
    readonly value: Float64Array,
    /** Null where no gradient is wanted: data inputs, constants, and ops fed only by those. */
    readonly grad: Float64Array | null,
    /** A readable name for leaves and layer outputs ("layer1/W"), shown in graph descriptions. */
    readonly name: string | undefined,
  ) {}

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get size(): number {
    return this.rows * this.cols;
  }
}
