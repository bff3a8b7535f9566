import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  createPredictor,
  matrixFromRows,
  matrixToRows,
  type ActivationName,
  type NetworkDefinition,
} from '../../src/engine/index.js';
import { ModelProto } from '../../src/export/onnx-schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { failedJob, jobWithModel, runningJob, submitJob, weightsFor } from '../support/jobs.js';

/** A network whose hidden and output layers use `activation` (softmax on the output only). */
function networkWith(activation: ActivationName): NetworkDefinition {
  const hidden = activation === 'softmax' ? 'tanh' : activation;
  return {
    inputSize: 3,
    layers: [
      { units: 5, activation: hidden, ...(hidden === 'leakyRelu' ? { alpha: 0.3 } : {}) },
      { units: 4, activation, ...(activation === 'leakyRelu' ? { alpha: 0.05 } : {}) },
    ],
    loss: activation === 'softmax' ? 'categoricalCrossentropy' : 'meanSquaredError',
  };
}

/** Every activation in one network, leakyRelu with its default alpha. */
const EVERY_ACTIVATION: NetworkDefinition = {
  inputSize: 3,
  layers: [
    { units: 6, activation: 'sigmoid' },
    { units: 6, activation: 'tanh' },
    { units: 6, activation: 'relu' },
    { units: 6, activation: 'leakyRelu' },
    { units: 6, activation: 'linear' },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

/** Rows that reach both sides of relu and leakyRelu, and saturate sigmoid and tanh a little. */
const INPUTS = [
  [0, 0, 0],
  [1, -1, 0.5],
  [-3, 2, 1],
  [4, 4, -4],
  [0.2, -0.7, 2.5],
];

const CASES: [string, NetworkDefinition][] = [
  ...ACTIVATIONS.map((activation): [string, NetworkDefinition] => [
    activation,
    networkWith(activation),
  ]),
  ['every activation in one network', EVERY_ACTIVATION],
];

let t: TestApp;
let baseUrl: string;
const jobs = new Map<string, { id: string; predicted: number[][] }>();

beforeAll(async () => {
  t = await createTestApp();
  // A real port: TF.js loads over HTTP with fetch, as a browser would.
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  for (const [name, network] of CASES) {
    const id = await jobWithModel(t, network, weightsFor(network));
    const predicted = (
      await t.app.inject({
        method: 'POST',
        url: `/v1/jobs/${id}/predict`,
        payload: { inputs: INPUTS },
      })
    ).json().outputs;
    jobs.set(name, { id, predicted });
  }
});
afterAll(async () => {
  await t.close();
});

function expectClose(actual: ArrayLike<number>, expected: number[][], tolerance = 1e-5): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((value, index) =>
    expect(Math.abs(actual[index] - value)).toBeLessThanOrEqual(tolerance),
  );
}

describe('GET /v1/jobs/{id}/model.onnx', () => {
  it.each(CASES)('runs in onnxruntime with the outputs of predict to 1e-5: %s', async (name) => {
    const { id, predicted } = jobs.get(name)!;

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model.onnx` });

    expect(response.statusCode).toBe(200);
    const session = await ort.InferenceSession.create(response.rawPayload);
    const feeds = {
      inputs: new ort.Tensor('float32', Float32Array.from(INPUTS.flat()), [INPUTS.length, 3]),
    };
    const { outputs } = await session.run(feeds);
    expect(outputs.dims).toEqual([INPUTS.length, predicted[0].length]);
    expectClose(outputs.data as Float32Array, predicted);
  });

  it('is IR 8, opset 13: Gemm and activation nodes with a dynamic batch dimension', async () => {
    const { id } = jobs.get('every activation in one network')!;

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model.onnx` });

    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="${id}.onnx"`);
    const model = ModelProto.toObject(ModelProto.decode(response.rawPayload), {
      longs: Number,
    }) as OnnxModel;
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: 13 }]);
    expect(model.graph.node.map((node) => node.op_type)).toEqual([
      'Gemm',
      'Sigmoid',
      'Gemm',
      'Tanh',
      'Gemm',
      'Relu',
      'Gemm',
      'LeakyRelu',
      'Gemm',
      'Identity',
      'Gemm',
      'Softmax',
    ]);
    const leaky = model.graph.node[7].attribute[0];
    expect(leaky).toMatchObject({ name: 'alpha', type: 1 });
    expect(leaky.f).toBeCloseTo(0.2, 7);
    expect(model.graph.node[11].attribute).toEqual([{ name: 'axis', type: 2, i: -1 }]);
    expect(model.graph.input[0].name).toBe('inputs');
    expect(model.graph.input[0].type.tensor_type.shape.dim).toEqual([
      { dim_param: 'batch' },
      { dim_value: 3 },
    ]);
    expect(model.graph.output[0].name).toBe('outputs');
    expect(
      model.graph.initializer
        .map((tensor) => [tensor.name, tensor.dims, tensor.data_type])
        .slice(0, 2),
    ).toEqual([
      ['layer1/W', [3, 6], 1],
      ['layer1/b', [6], 1],
    ]);
  });

  it('answers 409 JOB_NOT_FINISHED when queued and MODEL_UNAVAILABLE when failed', async () => {
    const failed = await failedJob(t, EVERY_ACTIVATION);
    const queued = await submitJob(t, EVERY_ACTIVATION);

    const responses = await Promise.all(
      [queued, failed].map((id) =>
        t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model.onnx` }),
      ),
    );

    expect(responses.map((response) => [response.statusCode, response.json().code])).toEqual([
      [409, 'JOB_NOT_FINISHED'],
      [409, 'MODEL_UNAVAILABLE'],
    ]);
    // Out of the way of the jobs later tests submit and claim.
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${queued}/cancel` });
  });
});

describe('GET /v1/jobs/{id}/model.onnx?checkpoint=latest', () => {
  it('exports the newest checkpoint of a running job, named with its epoch', async () => {
    const layers = weightsFor(EVERY_ACTIVATION, 9);
    const id = await runningJob(t, EVERY_ACTIVATION, { layers, epoch: 7 });
    const expected = matrixToRows(
      createPredictor(EVERY_ACTIVATION, layers).predict(matrixFromRows(INPUTS)),
    );

    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/jobs/${id}/model.onnx?checkpoint=latest`,
    });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="${id}-epoch-7.onnx"`,
    );
    const session = await ort.InferenceSession.create(response.rawPayload);
    const { outputs } = await session.run({
      inputs: new ort.Tensor('float32', Float32Array.from(INPUTS.flat()), [INPUTS.length, 3]),
    });
    expectClose(outputs.data as Float32Array, expected);
  });
});

describe('GET /v1/jobs/{id}/tfjs/model.json and weights.bin', () => {
  it.each(CASES)(
    'load with tf.loadLayersModel over HTTP and predict as predict does to 1e-5: %s',
    async (name) => {
      const { id, predicted } = jobs.get(name)!;

      const model = await tf.loadLayersModel(`${baseUrl}/v1/jobs/${id}/tfjs/model.json`);

      const outputs = model.predict(tf.tensor2d(INPUTS)) as tf.Tensor;
      expectClose(await outputs.data(), predicted);
      model.dispose();
      outputs.dispose();
    },
  );

  it('describes Dense layers with TF.js activation names, LeakyReLU as its own layer', async () => {
    const { id } = jobs.get('every activation in one network')!;

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/model.json` });

    const body = response.json();
    const layers = body.modelTopology.config.layers as {
      class_name: string;
      config: Record<string, unknown>;
    }[];
    expect(
      layers.map((layer) => [layer.class_name, layer.config.activation ?? layer.config.alpha]),
    ).toEqual([
      ['Dense', 'sigmoid'],
      ['Dense', 'tanh'],
      ['Dense', 'relu'],
      ['Dense', 'linear'],
      ['LeakyReLU', 0.2],
      ['Dense', 'linear'],
      ['Dense', 'softmax'],
    ]);
    expect(layers[0].config.batch_input_shape).toEqual([null, 3]);
    expect(body.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(body.weightsManifest[0].weights.slice(0, 2)).toEqual([
      { name: 'layer1/kernel', shape: [3, 6], dtype: 'float32' },
      { name: 'layer1/bias', shape: [6], dtype: 'float32' },
    ]);
  });

  it("serves the weights as little-endian float32 in the manifest's order", async () => {
    const layers = weightsFor(EVERY_ACTIVATION);
    const id = await jobWithModel(t, EVERY_ACTIVATION, layers);

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/weights.bin` });

    expect(response.headers['content-type']).toBe('application/octet-stream');
    const bytes = response.rawPayload;
    const expected = layers.flatMap(({ W, b }) => [...W.data, ...b.data]);
    expect(bytes.length).toBe(4 * expected.length);
    expected.forEach((value, index) =>
      expect(bytes.readFloatLE(4 * index)).toBe(Math.fround(value)),
    );
  });

  it('refuses a weight beyond the float32 range with 422 LIMIT_EXCEEDED naming it', async () => {
    const layers = weightsFor(EVERY_ACTIVATION);
    layers[2].b.data[1] = 1e39;
    const id = await jobWithModel(t, EVERY_ACTIVATION, layers);

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/tfjs/weights.bin` });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      errors: [{ path: 'layers[2].b' }],
    });
  });
});

interface OnnxModel {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  graph: {
    node: {
      op_type: string;
      attribute: { name: string; type: number; f?: number; i?: number }[];
    }[];
    input: { name: string; type: { tensor_type: { shape: { dim: object[] } } } }[];
    output: { name: string }[];
    initializer: { name: string; dims: number[]; data_type: number }[];
  };
}
