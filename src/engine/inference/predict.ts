import { ShapeMismatchError } from '../errors.js';
import { Graph } from '../graph/graph.js';
import { defaultKernels, type Kernels } from '../kernels/index.js';
import { zerosMatrix, type Matrix } from '../matrix.js';
import { buildDenseGraph, type DenseGraph } from '../network/build-graph.js';
import { outputSize, type LayerParameters, type NetworkDefinition } from '../network/definition.js';
import { checkParameterShapes, cloneParameters, validateNetwork } from '../network/parameters.js';

/** Rows per forward pass; larger batches are predicted in chunks of this many. */
const CHUNK_ROWS = 1024;

/** Forward-only evaluation of a trained network. */
export interface Predictor {
  readonly definition: NetworkDefinition;
  predict(inputs: Matrix): Matrix;
}

/**
 * A predictor over a copy of `layers`. Graphs are recorded once per chunk height and replayed,
 * so repeated predictions of the same size allocate only their output.
 */
export function createPredictor(definition: NetworkDefinition, layers: readonly LayerParameters[],
  kernels: Kernels = defaultKernels()): Predictor {
  validateNetwork(definition);
  checkParameterShapes(definition, layers);
  const owned = cloneParameters(layers);
  const graphs = new Map<number, DenseGraph & { graph: Graph }>();

  const graphFor = (rows: number): DenseGraph & { graph: Graph } => {
    let net = graphs.get(rows);
    if (!net) {
      const graph = new Graph(kernels);
      net = { graph, ...buildDenseGraph(graph, definition, owned, { rows, withTargets: false }) };
      graphs.set(rows, net);
    }
    return net;
  };

  return {
    definition,
    predict(inputs) {
      if (inputs.cols !== definition.inputSize) {
        throw new ShapeMismatchError('predict', [[inputs.rows, inputs.cols], [inputs.rows, definition.inputSize]],
          `the network takes ${definition.inputSize} inputs per row`);
      }
      const width = outputSize(definition);
      const outputs = zerosMatrix(inputs.rows, width);
      for (let from = 0; from < inputs.rows; from += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, inputs.rows - from);
        const net = graphFor(count);
        net.inputs.value.set(inputs.data.subarray(from * inputs.cols, (from + count) * inputs.cols));
        net.graph.forward();
        outputs.data.set(net.outputs.value, from * width);
      }
      return outputs;
    },
  };
}
