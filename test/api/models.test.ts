import { instance as vizInstance } from '@viz-js/viz';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  countParameters,
  createPredictor,
  matrixFromRows,
  matrixToRows,
  type NetworkDefinition,
} from '../../src/engine/index.js';
import { INFERENCE_LIMITS } from '../../src/api/inference-limits.js';
import { GraphSchema } from '../../src/api/schemas/models.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { failedJob, jobWithModel, runningJob, submitJob, weightsFor } from '../support/jobs.js';

const XOR_NET: NetworkDefinition = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
const XOR_INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const predict = (id: string, inputs: unknown, query = '') =>
  t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/predict${query}`, payload: { inputs } });

describe('POST /v1/jobs/{id}/predict', () => {
  it("answers the stored model's output for each row, with the epoch of its weights", async () => {
    const layers = weightsFor(XOR_NET);
    const id = await jobWithModel(t, XOR_NET, layers, 42);

    const response = await predict(id, XOR_INPUTS);

    expect(response.statusCode).toBe(200);
    const expected = matrixToRows(
      createPredictor(XOR_NET, layers).predict(matrixFromRows(XOR_INPUTS)),
    );
    expect(response.json()).toEqual({ outputs: expected, epoch: 42 });
  });

  it('reads the model from the database once, then serves requests from the cache', async () => {
    const id = await jobWithModel(t, XOR_NET, weightsFor(XOR_NET));
    const readModel = vi.spyOn(t.store.jobs, 'model');

    const answers = await Promise.all([predict(id, XOR_INPUTS), predict(id, XOR_INPUTS)]);
    const later = await predict(id, [[1, 1]]);

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(later.json().outputs).toEqual([answers[0].json().outputs[3]]);
    expect(readModel).toHaveBeenCalledTimes(1);
  });

  it('rejects rows of a wrong width with 422 SHAPE_MISMATCH naming the expected one', async () => {
    const id = await jobWithModel(t, XOR_NET, weightsFor(XOR_NET));

    const response = await predict(id, [[1, 2, 3]]);

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'SHAPE_MISMATCH',
      errors: [
        { path: 'inputs', message: "rows have 3 values; expected 2 (the network's inputSize)" },
      ],
    });
  });

  it('names the row and column of a value that is not a number with 400', async () => {
    const id = await jobWithModel(t, XOR_NET, weightsFor(XOR_NET));

    const response = await predict(id, [
      [0, 1],
      [1, 'x'],
    ]);

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'inputs[1][1]' }],
    });
  });

  it('refuses rows beyond the work limit with 422 LIMIT_EXCEEDED, naming the maximum', async () => {
    // 1 → 1000 → 1000 units: 1,003,000 parameters, so 2³⁰ of work allows 1070 rows.
    const wide: NetworkDefinition = {
      inputSize: 1,
      layers: [
        { units: 1000, activation: 'relu' },
        { units: 1000, activation: 'linear' },
      ],
      loss: 'meanSquaredError',
    };
    const id = await jobWithModel(t, wide, weightsFor(wide));
    const allowed = Math.floor(INFERENCE_LIMITS.predictMaxWork / countParameters(wide));

    const response = await predict(
      id,
      Array.from({ length: allowed + 1 }, () => [1]),
    );

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ path: 'inputs' }] });
    expect(response.json().detail).toContain(`limited to ${allowed}`);
  });

  it('predicts a batch larger than one slice exactly as the engine does in one pass', async () => {
    // 20,000 parameters: slices of 512 rows, so 1500 rows take three slices and yield twice.
    const network: NetworkDefinition = {
      inputSize: 99,
      layers: [{ units: 200, activation: 'tanh' }],
      loss: 'meanSquaredError',
    };
    const layers = weightsFor(network);
    const id = await jobWithModel(t, network, layers);
    const inputs = Array.from({ length: 1500 }, (_, row) =>
      Array.from({ length: 99 }, (_, col) => Math.sin(row + col)),
    );

    const response = await predict(id, inputs);

    expect(response.statusCode).toBe(200);
    const expected = matrixToRows(createPredictor(network, layers).predict(matrixFromRows(inputs)));
    expect(response.json().outputs).toEqual(expected);
  });

  it('answers 409 JOB_NOT_FINISHED for a queued job', async () => {
    const id = await submitJob(t, XOR_NET);

    const response = await predict(id, XOR_INPUTS);

    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('JOB_NOT_FINISHED');
  });

  it('answers 409 MODEL_UNAVAILABLE for a job that failed without a model', async () => {
    const id = await failedJob(t, XOR_NET);

    const response = await predict(id, XOR_INPUTS);

    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('MODEL_UNAVAILABLE');
  });

  it('predicts with the newest checkpoint of a running job when asked to', async () => {
    const layers = weightsFor(XOR_NET, 11);
    const id = await runningJob(t, XOR_NET, { layers, epoch: 7 });

    const withoutCheckpoint = await predict(id, XOR_INPUTS);
    const response = await predict(id, XOR_INPUTS, '?checkpoint=latest');

    expect(withoutCheckpoint.json().code).toBe('JOB_NOT_FINISHED');
    expect(response.statusCode).toBe(200);
    const expected = matrixToRows(
      createPredictor(XOR_NET, layers).predict(matrixFromRows(XOR_INPUTS)),
    );
    expect(response.json()).toEqual({ outputs: expected, epoch: 7 });
  });

  it('answers 404 for an unknown job', async () => {
    const response = await predict('job_00000000000000000000', XOR_INPUTS);

    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });
});

describe('GET /v1/jobs/{id}/graph', () => {
  it("gives the job's training graph at its batch height, as in the schema example", async () => {
    const id = await submitJob(t, XOR_NET);

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph` });

    expect(response.statusCode).toBe(200);
    const example = (GraphSchema.meta()!.examples as unknown[])[0] as {
      nodes: unknown[];
      root: number;
    };
    expect(response.json()).toEqual({
      jobId: id,
      batchRows: 4,
      root: example.root,
      nodes: example.nodes,
    });
  });

  it('shows the batch size of mini-batch training and the l2 penalty ops', async () => {
    const id = await submitJob(t, XOR_NET, { batchSize: 3, l2: 0.01 });

    const body = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph` })).json();

    expect(body.batchRows).toBe(3);
    expect(body.nodes.find((node: { name?: string }) => node.name === 'inputs').shape).toEqual([
      3, 2,
    ]);
    expect(body.nodes.map((node: { op: string }) => node.op)).toContain('scale');
    expect(body.nodes[body.root]).toMatchObject({ op: 'add', name: 'cost', shape: [1, 1] });
  });

  it("shows one-row batches, batchRows null, once a full-batch job's dataset is gone", async () => {
    const id = await jobWithModel(t, XOR_NET, weightsFor(XOR_NET));
    const job = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${job.datasetId}` })).statusCode,
    ).toBe(204);

    const body = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph` })).json();

    expect(body.batchRows).toBeNull();
    expect(body.nodes[0]).toMatchObject({ name: 'inputs', shape: [1, 2] });
  });

  it('answers Graphviz DOT that renders to an SVG with a shape for every node', async () => {
    const id = await submitJob(t, {
      ...XOR_NET,
      layers: [
        { units: 3, activation: 'leakyRelu', alpha: 0.1 },
        { units: 2, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    });
    const nodes = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph` })).json().nodes;

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph?format=dot` });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/vnd.graphviz; charset=utf-8');
    const viz = await vizInstance();
    const result = viz.render(response.body, { format: 'svg' });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe('success');
    const svg = result.output!;
    expect(svg).toContain('<svg');
    expect(svg.match(/class="node"/g)).toHaveLength(nodes.length);
    expect(svg).toContain('leakyRelu');
    expect(svg).toContain('categoricalCrossentropy');
  });

  it('rejects an unknown format with 400 naming the parameter', async () => {
    const id = await submitJob(t, XOR_NET);

    const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/graph?format=svg` });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('format');
  });
});
