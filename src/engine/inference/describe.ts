import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { jsKernels } from '../kernels/index.js';
import { zerosMatrix } from '../matrix.js';
import { buildDenseGraph } from '../network/build-graph.js';
import type { NetworkDefinition } from '../network/definition.js';
import { validateNetwork } from '../network/parameters.js';

/** One node of a graph description, as the API's /graph and /gradients return it. */
export interface GraphNodeDescription {
  readonly id: number;
  /** The op's registry name, or 'input', 'parameter' or 'constant' for leaves. */
  readonly op: string;
  readonly name?: string;
  readonly inputs: number[];
  readonly shape: [number, number];
  readonly attrs?: Record<string, unknown>;
}

export interface GraphDescription {
  readonly nodes: GraphNodeDescription[];
  /** The node the backward pass starts from, when there is one. */
  readonly root?: number;
}

export function describeNode(node: Node): GraphNodeDescription {
  const description: { -readonly [K in keyof GraphNodeDescription]: GraphNodeDescription[K] } = {
    id: node.id,
    op: node.opName,
    inputs: node.inputs.map((input) => input.id),
    shape: node.shape,
  };
  if (node.name !== undefined) description.name = node.name;
  if (node.attrs !== undefined && node.attrs !== null) description.attrs = { ...node.attrs };
  return description;
}

export function describeGraph(graph: Graph, root?: Node): GraphDescription {
  const nodes = graph.nodes.map(describeNode);
  return root ? { nodes, root: root.id } : { nodes };
}

/**
 * The graph in Graphviz DOT: leaves as boxes (parameters shaded), ops as ellipses labelled with
 * op and shape, edges in data-flow direction. Names are quoted, so any text is safe in a label.
 */
export function graphToDot(description: GraphDescription, title = 'chainrule'): string {
  const lines = [`digraph ${quote(title)} {`, '  rankdir=LR;', '  node [fontname="Helvetica"];'];
  for (const node of description.nodes) {
    // ASCII only: Graphviz builds without font metrics warn about characters such as ×.
    const shape = `[${node.shape[0]}, ${node.shape[1]}]`;
    const label = node.name ? `${node.name}\\n${node.op} ${shape}` : `${node.op}\\n${shape}`;
    const style =
      node.op === 'parameter'
        ? 'shape=box, style=filled, fillcolor="#e8eefc"'
        : node.op === 'input' || node.op === 'constant'
          ? 'shape=box'
          : 'shape=ellipse';
    const root = node.id === description.root ? ', peripheries=2' : '';
    lines.push(`  n${node.id} [label=${quote(label, true)}, ${style}${root}];`);
  }
  for (const node of description.nodes) {
    for (const input of node.inputs) lines.push(`  n${input} -> n${node.id};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A DOT string literal; `keepNewlines` leaves already-escaped \n line breaks in labels. */
function quote(text: string, keepNewlines = false): string {
  const escaped = keepNewlines
    ? text.replace(/"/g, '\\"')
    : text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${escaped.replace(/[\r\n]/g, ' ')}"`;
}

/**
 * The graph a training step of `definition` differentiates, for a batch of `rows` rows: what a
 * job's /graph shows. The root is the cost. The graph is recorded over zero weights for batches
 * of one and two rows, and a node whose height differs between the two has one row per batch
 * row; so the description costs the same for a batch of a million rows as for one.
 */
export function describeNetworkGraph(
  definition: NetworkDefinition,
  rows: number,
  l2 = 0,
): GraphDescription {
  validateNetwork(definition);
  const one = recordTrainingGraph(definition, 1, l2);
  const two = recordTrainingGraph(definition, 2, l2);
  const nodes = one.nodes.map((node, index): GraphNodeDescription => {
    const perBatchRow = two.nodes[index].shape[0] !== node.shape[0];
    return perBatchRow ? { ...node, shape: [rows, node.shape[1]] } : node;
  });
  return one.root === undefined ? { nodes } : { nodes, root: one.root };
}

function recordTrainingGraph(
  definition: NetworkDefinition,
  rows: number,
  l2: number,
): GraphDescription {
  const graph = new Graph(jsKernels);
  let inputs = definition.inputSize;
  const zeros = definition.layers.map((layer) => {
    const weights = { W: zerosMatrix(inputs, layer.units), b: zerosMatrix(1, layer.units) };
    inputs = layer.units;
    return weights;
  });
  const net = buildDenseGraph(graph, definition, zeros, { rows, withTargets: true, l2 });
  return describeGraph(graph, net.cost);
}
