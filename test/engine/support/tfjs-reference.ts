import * as tf from '@tensorflow/tfjs';
import type { LayerParameters, Matrix, NetworkDefinition } from '../../../src/engine/index.js';

/**
 * An independent reference: the same dense network built from TensorFlow.js layers (cpu
 * backend, float32), whose training step we compare ours against.
 */

export async function useTfjsCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

/**
 * A tf.Sequential equal to `definition` with the given weights. TF.js has no 'leakyRelu'
 * activation name, so that layer becomes a linear dense layer followed by a LeakyReLU layer
 * (whose own default α is 0.3, not our 0.2: α is passed explicitly). l2 becomes each dense
 * layer's kernel regularizer, which adds l2·ΣW² to the loss, as ours does.
 */
export function buildTfjsModel(
  definition: NetworkDefinition,
  layers: readonly LayerParameters[],
  l2 = 0,
): tf.Sequential {
  const model = tf.sequential();
  definition.layers.forEach((spec, index) => {
    const isLeaky = spec.activation === 'leakyRelu';
    model.add(
      tf.layers.dense({
        units: spec.units,
        activation: isLeaky ? 'linear' : spec.activation,
        ...(index === 0 ? { inputShape: [definition.inputSize] } : {}),
        ...(l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2 }) } : {}),
      }),
    );
    if (isLeaky) model.add(tf.layers.leakyReLU({ alpha: spec.alpha ?? 0.2 }));
  });
  model.setWeights(
    layers.flatMap(({ W, b }) => [
      tf.tensor2d(Float32Array.from(W.data), [W.rows, W.cols], 'float32'),
      tf.tensor1d(Float32Array.from(b.data), 'float32'),
    ]),
  );
  return model;
}

/** The model's weights as float arrays in our order W₁, b₁, W₂, b₂, … */
export function tfjsWeights(model: tf.Sequential): Float32Array[] {
  return model.getWeights().map((weight) => weight.dataSync() as Float32Array);
}

export function toTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(matrix.data), [matrix.rows, matrix.cols], 'float32');
}

/**
 * Runs `steps` full-batch training steps of `model` with `optimizer` and returns the loss TF.js
 * reported for each (measured before that step's update, regularization included).
 */
export async function trainTfjs(
  model: tf.Sequential,
  optimizer: tf.Optimizer,
  loss: string,
  inputs: Matrix,
  targets: Matrix,
  steps: number,
): Promise<number[]> {
  model.compile({ optimizer, loss });
  const x = toTensor(inputs);
  const y = toTensor(targets);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const value = await model.trainOnBatch(x, y);
    losses.push(Array.isArray(value) ? value[0] : value);
  }
  x.dispose();
  y.dispose();
  return losses;
}

export { tf };
