import { ShapeMismatchError } from '../errors.js';
import { Graph } from '../graph/graph.js';
import { defaultKernels, type Kernels } from '../kernels/index.js';
import { zerosMatrix, type Matrix } from '../matrix.js';
import { buildDenseGraph, type DenseGraph } from '../network/build-graph.js';
import {
  countParameters,
  outputSize,
  type LayerParameters,
  type NetworkDefinition,
} from '../network/definition.js';
import { checkParameterShapes, cloneParameters, validateNetwork } from '../network/parameters.js';

/** Most rows of one forward pass; larger batches are predicted in chunks. */
const MAX_CHUNK_ROWS = 1024;

/**
 * Most values (inputs and every op's output) one recorded graph may hold: 2²⁰ float64, 8 MiB.
 * Wide networks get shorter chunks, so a predictor's memory does not grow with the network's
 * width times 1024 rows.
 */
const GRAPH_VALUES_BUDGET = 1 << 20;

/** Forward-only evaluation of a trained network. */
export interface Predictor {
  readonly definition: NetworkDefinition;
  /** Rows of the largest forward pass; a batch of more rows runs as several passes. */
  readonly chunkRows: number;
  /** An upper bound of the bytes the predictor holds: its weights and all graphs it may record. */
  readonly footprintBytes: number;
  predict(inputs: Matrix): Matrix;
}

/**
 * A predictor over a copy of `layers`. Graphs are recorded without gradient buffers, once per
 * power-of-two height up to `chunkRows`, and replayed; a batch is padded up to the next such
 * height. Rows never mix in a dense network (row-wise softmax included), so padding rows
 * cannot change the real ones, and the recorded graphs stay few (at most log₂ chunkRows + 1)
 * whatever batch sizes arrive: together they hold less than twice the largest one.
 */
export function createPredictor(
  definition: NetworkDefinition,
  layers: readonly LayerParameters[],
  kernels: Kernels = defaultKernels(),
): Predictor {
  validateNetwork(definition);
  checkParameterShapes(definition, layers);
  const owned = cloneParameters(layers);
  const graphs = new Map<number, DenseGraph & { graph: Graph }>();

  const graphFor = (rows: number): DenseGraph & { graph: Graph } => {
    let net = graphs.get(rows);
    if (!net) {
      const graph = new Graph(kernels);
      net = {
        graph,
        ...buildDenseGraph(graph, definition, owned, {
          rows,
          withTargets: false,
          parametersRequireGrad: false,
        }),
      };
      graphs.set(rows, net);
    }
    return net;
  };

  // Every non-parameter node of a dense graph has one row per batch row, so the one-row graph
  // (needed anyway for single predictions) tells how many values each batch row costs.
  const valuesPerRow = graphFor(1)
    .graph.nodes.filter((node) => node.kind !== 'parameter')
    .reduce((total, node) => total + node.size, 0);
  const chunkRows = Math.min(MAX_CHUNK_ROWS, floorPowerOfTwo(GRAPH_VALUES_BUDGET / valuesPerRow));
  const width = outputSize(definition);

  return {
    definition,
    chunkRows,
    footprintBytes: 8 * (countParameters(definition) + 2 * chunkRows * valuesPerRow),
    predict(inputs) {
      if (inputs.cols !== definition.inputSize) {
        throw new ShapeMismatchError(
          'predict',
          [
            [inputs.rows, inputs.cols],
            [inputs.rows, definition.inputSize],
          ],
          `the network takes ${definition.inputSize} inputs per row`,
        );
      }
      const outputs = zerosMatrix(inputs.rows, width);
      for (let from = 0; from < inputs.rows; from += chunkRows) {
        const count = Math.min(chunkRows, inputs.rows - from);
        const net = graphFor(ceilPowerOfTwo(count));
        const values = inputs.data.subarray(from * inputs.cols, (from + count) * inputs.cols);
        net.inputs.value.set(values);
        // Zeroed rather than left from an earlier batch, so a prediction never depends on history.
        net.inputs.value.fill(0, values.length);
        net.graph.forward();
        outputs.data.set(net.outputs.value.subarray(0, count * width), from * width);
      }
      return outputs;
    },
  };
}

/** The largest power of two ≤ value, and at least 1. */
function floorPowerOfTwo(value: number): number {
  return value < 2 ? 1 : 2 ** Math.floor(Math.log2(value));
}

function ceilPowerOfTwo(value: number): number {
  return value <= 1 ? 1 : 2 ** Math.ceil(Math.log2(value));
}
