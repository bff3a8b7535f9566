import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/service.js';

/**
 * The real service on a real port, with its SQLite file and worker threads: jobs are trained by
 * the engine in a worker, then used over HTTP exactly as the README shows.
 */

const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
const XOR_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 4, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
/** Full-batch gradient descent, unshuffled: epoch 1's cost is that of the starting weights. */
const PLAIN_DESCENT = { optimizer: { type: 'sgd', learningRate: 0.5 }, shuffle: false, seed: 1 };

const EVERY_ACTIVATION = {
  inputSize: 3,
  layers: [
    { units: 6, activation: 'sigmoid' },
    { units: 6, activation: 'tanh' },
    { units: 6, activation: 'relu' },
    { units: 6, activation: 'leakyRelu', alpha: 0.1 },
    { units: 6, activation: 'linear' },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};
const CLASSES = {
  inputs: [
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
    [1, 1, 0],
    [0.5, -1, 2],
    [-2, 1, 1],
  ],
  labels: [2, 0, 1, 0, 2, 1],
};

let service: Service;
let dataDir: string;
let base: string;

type History = { items: { epoch: number; cost: number }[] };
type Layers = { layers: { W: number[][]; b: number[] }[] };

async function call<Body>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

async function trainedJob(payload: object): Promise<{ id: string; history: History['items'] }> {
  const submitted = await call<{ id: string }>('POST', '/v1/jobs', payload);
  expect(submitted.status).toBe(202);
  const id = submitted.body.id;
  for (let polls = 0; polls < 600; polls++) {
    const job = (await call<{ status: string }>('GET', `/v1/jobs/${id}`)).body;
    if (job.status === 'succeeded') {
      return {
        id,
        history: (await call<History>('GET', `/v1/jobs/${id}/history?limit=500`)).body.items,
      };
    }
    if (job.status !== 'queued' && job.status !== 'running')
      throw new Error(`job ${id} ended ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

function expectClose(actual: ArrayLike<number>, expected: number[][]): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((value, index) => expect(Math.abs(actual[index] - value)).toBeLessThanOrEqual(1e-5));
}

let xorJob: string;
let everyActivationJob: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'chainrule-use-model-'));
  service = await startService(
    loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', WORKERS: '1' }),
    { logger: createLogger('silent') },
  );
  base = service.url;

  xorJob = (
    await trainedJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 300, ...PLAIN_DESCENT },
    })
  ).id;
  everyActivationJob = (
    await trainedJob({
      network: EVERY_ACTIVATION,
      dataset: CLASSES,
      training: { epochs: 200, optimizer: { type: 'adam', learningRate: 0.01 }, seed: 2 },
    })
  ).id;
});

afterAll(async () => {
  await service?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a trained model used over HTTP', () => {
  it.each([
    ['XOR', () => xorJob, XOR.inputs],
    ['every activation', () => everyActivationJob, CLASSES.inputs],
  ])(
    'predicts, and its ONNX and TF.js exports agree with predict to 1e-5 (%s)',
    async (_name, job, inputs) => {
      const id = job();
      const predicted = await call<{ outputs: number[][] }>('POST', `/v1/jobs/${id}/predict`, {
        inputs,
      });
      expect(predicted.status).toBe(200);
      const outputs = predicted.body.outputs;

      const onnxBytes = new Uint8Array(
        await (await fetch(`${base}/v1/jobs/${id}/model.onnx`)).arrayBuffer(),
      );
      const session = await ort.InferenceSession.create(onnxBytes);
      const onnx = await session.run({
        inputs: new ort.Tensor('float32', Float32Array.from(inputs.flat()), [
          inputs.length,
          inputs[0].length,
        ]),
      });
      expectClose(onnx.outputs.data as Float32Array, outputs);

      const model = await tf.loadLayersModel(`${base}/v1/jobs/${id}/tfjs/model.json`);
      const tfjs = model.predict(tf.tensor2d(inputs)) as tf.Tensor;
      expectClose(await tfjs.data(), outputs);
      model.dispose();
      tfjs.dispose();
    },
  );

  it('learned XOR: predictions round to the targets', async () => {
    const { outputs } = (
      await call<{ outputs: number[][] }>('POST', `/v1/jobs/${xorJob}/predict`, {
        inputs: XOR.inputs,
      })
    ).body;

    expect(outputs.map(([value]: number[]) => Math.round(value))).toEqual([0, 1, 1, 0]);
  });

  it('shows the graph it differentiated, with the dataset as one batch', async () => {
    const graph = (
      await call<{ batchRows: number; nodes: { op: string }[] }>('GET', `/v1/jobs/${xorJob}/graph`)
    ).body;

    expect(graph.batchRows).toBe(4);
    expect(graph.nodes.map((node) => node.op)).toEqual([
      'input',
      'parameter',
      'parameter',
      'matmul',
      'biasAdd',
      'tanh',
      'parameter',
      'parameter',
      'matmul',
      'biasAdd',
      'sigmoid',
      'input',
      'binaryCrossentropy',
    ]);
  });
});

describe('warm start from a trained model', () => {
  it('starts at the cost of the source model, from its job id or from its layers', async () => {
    const source = (await call<Layers>('GET', `/v1/jobs/${xorJob}/model`)).body;
    const layers = source.layers.map(({ W, b }) => ({ W, b }));
    const sourceHistory = (await call<History>('GET', `/v1/jobs/${xorJob}/history?limit=500`)).body
      .items;
    // The cost of the source's final weights on the data, computed by the gradients route.
    const explained = await call<{ cost: number }>('POST', '/v1/gradients', {
      network: XOR_NETWORK,
      layers,
      ...XOR,
    });

    const fromJob = await trainedJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 5, ...PLAIN_DESCENT, initialModel: { jobId: xorJob } },
    });
    const fromLayers = await trainedJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 5, ...PLAIN_DESCENT, initialModel: { layers } },
    });

    expect(fromJob.history[0].cost).toBeCloseTo(explained.body.cost, 12);
    expect(fromLayers.history[0].cost).toBe(fromJob.history[0].cost);
    // Far below where the source began, and no worse than where it ended.
    expect(fromJob.history[0].cost).toBeLessThan(sourceHistory[0].cost / 2);
    expect(fromJob.history[0].cost).toBeLessThanOrEqual(sourceHistory.at(-1)!.cost);
  });
});
