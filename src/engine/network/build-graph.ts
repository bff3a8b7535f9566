import type { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { DEFAULT_LEAKY_RELU_ALPHA } from '../ops/leaky-relu.js';
import {
  biasAdd,
  binaryCrossentropy,
  categoricalCrossentropy,
  leakyRelu,
  linear,
  matmul,
  meanSquaredError,
  multiply,
  relu,
  scale,
  sigmoid,
  softmax,
  sum,
  tanh,
  add,
} from '../ops/registry.js';
import type { LayerParameters, LayerSpec, LossName, NetworkDefinition } from './definition.js';

/** The nodes of a dense network recorded on a graph. */
export interface DenseGraph {
  readonly inputs: Node;
  readonly outputs: Node;
  /** Per layer: its W and b parameter nodes. */
  readonly parameters: readonly { readonly W: Node; readonly b: Node }[];
  /** Present when targets were given: the loss node, and the cost (loss plus l2 penalty). */
  readonly targets?: Node;
  readonly loss?: Node;
  readonly cost?: Node;
}

export interface DenseGraphOptions {
  readonly rows: number;
  /** Record a loss against a targets input of `rows` × output width. */
  readonly withTargets: boolean;
  /** Coefficient of the l2 penalty l2·ΣW² added to the loss; 0 records no penalty. */
  readonly l2?: number;
  /** Whether ∂/∂inputs is wanted (the gradients explainer); training leaves it off. */
  readonly inputsRequireGrad?: boolean;
  /** False for forward-only use (prediction): no gradient buffers anywhere. Default true. */
  readonly parametersRequireGrad?: boolean;
}

/**
 * Records H = activation(H_prev·W + b) for every layer, then the loss and penalty, on `graph`.
 * Parameter nodes share the matrices' buffers (see Graph.parameter), so the optimizer's in-place
 * updates reach the next replay of this graph.
 */
export function buildDenseGraph(
  graph: Graph,
  definition: NetworkDefinition,
  layers: readonly LayerParameters[],
  options: DenseGraphOptions,
): DenseGraph {
  const inputs = graph.input('inputs', options.rows, definition.inputSize, {
    requiresGrad: options.inputsRequireGrad ?? false,
  });

  let hidden = inputs;
  const requiresGrad = options.parametersRequireGrad ?? true;
  const parameters = definition.layers.map((spec, index) => {
    const name = `layer${index + 1}`;
    const W = graph.parameter(`${name}/W`, layers[index].W, { requiresGrad });
    const b = graph.parameter(`${name}/b`, layers[index].b, { requiresGrad });
    const z = graph.apply(biasAdd, [graph.apply(matmul, [hidden, W], undefined), b], undefined);
    hidden = applyActivation(graph, spec, z, name);
    return { W, b };
  });

  if (!options.withTargets) return { inputs, outputs: hidden, parameters };

  const targets = graph.input('targets', options.rows, hidden.cols);
  const loss = graph.apply(lossOp(definition.loss), [hidden, targets], undefined, 'loss');
  let cost: Node = loss;
  const l2 = options.l2 ?? 0;
  if (l2 > 0) {
    // l2·Σ W² over every layer's weights (not biases), as a chain of recorded ops so that the
    // graph a user inspects shows the penalty and its gradient 2·l2·W.
    let squares: Node | undefined;
    for (const { W } of parameters) {
      const layerSquares = graph.apply(sum, [graph.apply(multiply, [W, W], undefined)], undefined);
      squares = squares ? graph.apply(add, [squares, layerSquares], undefined) : layerSquares;
    }
    const penalty = graph.apply(scale, [squares!], { factor: l2 }, 'l2Penalty');
    cost = graph.apply(add, [loss, penalty], undefined, 'cost');
  }
  return { inputs, outputs: hidden, parameters, targets, loss, cost };
}

function applyActivation(graph: Graph, spec: LayerSpec, z: Node, name: string): Node {
  switch (spec.activation) {
    case 'linear':
      return graph.apply(linear, [z], undefined, name);
    case 'sigmoid':
      return graph.apply(sigmoid, [z], undefined, name);
    case 'tanh':
      return graph.apply(tanh, [z], undefined, name);
    case 'relu':
      return graph.apply(relu, [z], undefined, name);
    case 'softmax':
      return graph.apply(softmax, [z], undefined, name);
    case 'leakyRelu':
      return graph.apply(leakyRelu, [z], { alpha: spec.alpha ?? DEFAULT_LEAKY_RELU_ALPHA }, name);
  }
}

function lossOp(loss: LossName) {
  switch (loss) {
    case 'meanSquaredError':
      return meanSquaredError;
    case 'binaryCrossentropy':
      return binaryCrossentropy;
    case 'categoricalCrossentropy':
      return categoricalCrossentropy;
  }
}
