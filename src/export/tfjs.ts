import { DEFAULT_LEAKY_RELU_ALPHA } from '../engine/index.js';
import { layerWeightsAsFloat32, type ExportableModel } from './model.js';

/** The weights file model.json names; TF.js fetches it relative to model.json's URL. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** TF.js's model.json ("layers-model" format), as tf.loadLayersModel reads it. */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: KerasLayer[] } };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  userDefinedMetadata: Record<string, string | number>;
}

/**
 * The model as a TF.js layers model: a Keras-style Sequential topology of Dense layers named
 * `layer1`, `layer2`, … (weights `layer1/kernel` [inputs, units] and `layer1/bias` [units]),
 * and one weights file of float32 values in the manifest's order. Config keys are Keras's
 * snake_case, which TF.js converts on load. TF.js's dense layer has no leakyRelu activation,
 * so such a layer is a linear Dense followed by a LeakyReLU layer with its alpha.
 */
export function tfjsModelJson(model: ExportableModel): TfjsModelJson {
  const { network } = model;
  const layers: KerasLayer[] = [];
  const weights: WeightSpec[] = [];

  let inputs = network.inputSize;
  network.layers.forEach((spec, index) => {
    const name = `layer${index + 1}`;
    const isLeaky = spec.activation === 'leakyRelu';
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        units: spec.units,
        activation: isLeaky ? 'linear' : spec.activation,
        use_bias: true,
        ...(index === 0 ? { batch_input_shape: [null, network.inputSize] } : {}),
      },
    });
    if (isLeaky) {
      layers.push({
        class_name: 'LeakyReLU',
        config: {
          name: `${name}_leaky_relu`,
          trainable: true,
          dtype: 'float32',
          alpha: spec.alpha ?? DEFAULT_LEAKY_RELU_ALPHA,
        },
      });
    }
    weights.push(
      { name: `${name}/kernel`, shape: [inputs, spec.units], dtype: 'float32' },
      { name: `${name}/bias`, shape: [spec.units], dtype: 'float32' },
    );
    inputs = spec.units;
  });

  return {
    format: 'layers-model',
    generatedBy: 'chainrule',
    convertedBy: null,
    modelTopology: { class_name: 'Sequential', config: { name: model.name, layers } },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights }],
    userDefinedMetadata: { jobId: model.name, epoch: model.epoch, loss: network.loss },
  };
}

/** The weights file: W₁ b₁ W₂ b₂ … as little-endian float32, W row-major [inputs][units]. */
export function tfjsWeights(model: ExportableModel): Uint8Array {
  const blocks = layerWeightsAsFloat32(model.layers).flatMap(({ W, b }) => [W, b]);
  const bytes = new Uint8Array(blocks.reduce((total, block) => total + block.length, 0));
  let offset = 0;
  for (const block of blocks) {
    bytes.set(block, offset);
    offset += block.length;
  }
  return bytes;
}
