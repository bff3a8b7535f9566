import { ShapeMismatchError } from '../errors.js';
import { Graph } from '../graph/graph.js';
import { defaultKernels, type Kernels } from '../kernels/index.js';
import { matrixToRows, type Matrix } from '../matrix.js';
import { buildDenseGraph } from '../network/build-graph.js';
import type { LayerParameters, NetworkDefinition } from '../network/definition.js';
import { checkParameterShapes, validateNetwork } from '../network/parameters.js';
import { sum } from '../ops/registry.js';
import { splitData } from '../training/data-split.js';
import { describeNode, type GraphNodeDescription } from './describe.js';

export interface GradientExplanation {
  readonly outputs: number[][];
  /** The cost, when targets were given. */
  readonly cost?: number;
  readonly gradients: {
    readonly inputs: number[][];
    readonly layers: { W: number[][]; b: number[] }[];
  };
  /** Every node's forward value and gradient, in the order the forward pass recorded them. */
  readonly nodes: (GraphNodeDescription & { value: number[][]; gradient: number[][] | null })[];
}

export interface ExplainRequest {
  readonly definition: NetworkDefinition;
  readonly layers: readonly LayerParameters[];
  readonly inputs: Matrix;
  /** With targets the cost is differentiated; without, the sum of all outputs. */
  readonly targets?: Matrix;
  readonly l2?: number;
}

/**
 * One forward and one backward pass over the network's graph for the given weights, returning
 * every node's value and gradient: the chain rule laid open. For f = x·W + b with W = −2,
 * x = 5, b = 3 it gives f = −7, ∂f/∂W = 5, ∂f/∂x = −2, ∂f/∂b = 1.
 */
export function explainGradients(
  request: ExplainRequest,
  kernels: Kernels = defaultKernels(),
): GradientExplanation {
  const { definition, layers, inputs, targets } = request;
  validateNetwork(definition);
  checkParameterShapes(definition, layers);
  // Checked here and not only by splitData: without targets nothing else would, and inputs of
  // the wrong width would be read silently as other rows (3 × 1 inputs to a 3-input network as
  // one full row followed by rows of zeros).
  if (inputs.cols !== definition.inputSize) {
    throw new ShapeMismatchError(
      'inputs',
      [
        [inputs.rows, inputs.cols],
        [inputs.rows, definition.inputSize],
      ],
      `the network takes ${definition.inputSize} inputs per row`,
    );
  }
  if (targets) splitData(definition, { inputs, targets }, 0);

  const graph = new Graph(kernels);
  const net = buildDenseGraph(
    graph,
    definition,
    layers.map(({ W, b }) => ({
      W: { ...W, data: W.data.slice() },
      b: { ...b, data: b.data.slice() },
    })),
    {
      rows: inputs.rows,
      withTargets: targets !== undefined,
      l2: request.l2,
      inputsRequireGrad: true,
    },
  );
  net.inputs.value.set(inputs.data);
  if (targets) net.targets!.value.set(targets.data);
  graph.forward();

  const root = net.cost ?? graph.apply(sum, [net.outputs], undefined, 'sum of outputs');
  graph.backward(root);

  const asRows = (node: { rows: number; cols: number }, data: Float64Array) =>
    matrixToRows({ rows: node.rows, cols: node.cols, data });
  const explanation: GradientExplanation = {
    outputs: asRows(net.outputs, net.outputs.value),
    gradients: {
      inputs: asRows(net.inputs, net.inputs.grad!),
      layers: net.parameters.map(({ W, b }) => ({
        W: asRows(W, W.grad!),
        b: Array.from(b.grad!),
      })),
    },
    nodes: graph.nodes.map((node) => ({
      ...describeNode(node),
      value: asRows(node, node.value),
      gradient: node.grad ? asRows(node, node.grad) : null,
    })),
  };
  return net.cost ? { ...explanation, cost: net.cost.value[0] } : explanation;
}
