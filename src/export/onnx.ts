import { DEFAULT_LEAKY_RELU_ALPHA, outputSize, type LayerSpec } from '../engine/index.js';
import { layerWeightsAsFloat32, type ExportableModel } from './model.js';
import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, ModelProto, ONNX_FLOAT } from './onnx-schema.js';

/** ONNX IR version 8 with the default domain's opset 13, which every current runtime reads. */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 13;

/** Names of the graph's input and output tensors. */
export const ONNX_INPUT = 'inputs';
export const ONNX_OUTPUT = 'outputs';

/** The batch dimension is symbolic, so the model takes any number of rows. */
const BATCH_DIMENSION = 'batch';

interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: { name: string; type: number; f?: number; i?: number }[];
}

/**
 * The model as an ONNX file: per layer a Gemm node (X·W + b, W stored [inputs][units] as the
 * engine keeps it, so no transpose) followed by the activation's node, weights as float32
 * initializers, and one float input `inputs` of shape [batch, inputSize] and one output
 * `outputs` of shape [batch, units of the last layer].
 */
export function encodeOnnxModel(model: ExportableModel): Uint8Array {
  const { network, layers } = model;
  const weights = layerWeightsAsFloat32(layers);
  const nodes: OnnxNode[] = [];
  const initializers: object[] = [];

  let previous = ONNX_INPUT;
  let inputs = network.inputSize;
  network.layers.forEach((spec, index) => {
    const name = `layer${index + 1}`;
    const last = index === network.layers.length - 1;
    initializers.push(
      {
        name: `${name}/W`,
        dims: [inputs, spec.units],
        data_type: ONNX_FLOAT,
        raw_data: weights[index].W,
      },
      { name: `${name}/b`, dims: [spec.units], data_type: ONNX_FLOAT, raw_data: weights[index].b },
    );
    nodes.push({
      name: `${name}/Gemm`,
      op_type: 'Gemm',
      input: [previous, `${name}/W`, `${name}/b`],
      output: [`${name}/z`],
      attribute: [],
    });
    const output = last ? ONNX_OUTPUT : `${name}/output`;
    const activation = activationNode(spec);
    nodes.push({
      ...activation,
      name: `${name}/${activation.op_type}`,
      input: [`${name}/z`],
      output: [output],
    });
    previous = output;
    inputs = spec.units;
  });

  const message = ModelProto.fromObject({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'chainrule',
    doc_string: `Dense network trained by Chainrule, weights of epoch ${model.epoch}.`,
    metadata_props: [
      { key: 'chainrule.job', value: model.name },
      { key: 'chainrule.epoch', value: String(model.epoch) },
      { key: 'chainrule.loss', value: network.loss },
    ],
    graph: {
      name: model.name,
      node: nodes,
      initializer: initializers,
      input: [tensorInfo(ONNX_INPUT, network.inputSize)],
      output: [tensorInfo(ONNX_OUTPUT, outputSize(network))],
    },
  });
  return ModelProto.encode(message).finish();
}

/** The activation as ONNX op and attributes; its name and wiring are added by the caller. */
function activationNode(spec: LayerSpec): Pick<OnnxNode, 'op_type' | 'attribute'> {
  switch (spec.activation) {
    case 'linear':
      return { op_type: 'Identity', attribute: [] };
    case 'sigmoid':
      return { op_type: 'Sigmoid', attribute: [] };
    case 'tanh':
      return { op_type: 'Tanh', attribute: [] };
    case 'relu':
      return { op_type: 'Relu', attribute: [] };
    case 'leakyRelu':
      return {
        op_type: 'LeakyRelu',
        attribute: [
          { name: 'alpha', type: ATTRIBUTE_FLOAT, f: spec.alpha ?? DEFAULT_LEAKY_RELU_ALPHA },
        ],
      };
    case 'softmax':
      // Opset 13 defines Softmax along one axis; the last one is the engine's row-wise softmax.
      return { op_type: 'Softmax', attribute: [{ name: 'axis', type: ATTRIBUTE_INT, i: -1 }] };
  }
}

function tensorInfo(name: string, width: number) {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_FLOAT,
        shape: { dim: [{ dim_param: BATCH_DIMENSION }, { dim_value: width }] },
      },
    },
  };
}
