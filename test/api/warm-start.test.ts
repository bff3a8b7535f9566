import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matrixToRows, type NetworkDefinition } from '../../src/engine/index.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { datasetFor, failedJob, jobWithModel, runningJob, weightsFor } from '../support/jobs.js';

const NETWORK: NetworkDefinition = {
  inputSize: 2,
  layers: [
    { units: 3, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
const OTHER_NETWORK: NetworkDefinition = {
  ...NETWORK,
  layers: [{ units: 4, activation: 'tanh' }, NETWORK.layers[1]],
};

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const submit = (initialModel: object, network: NetworkDefinition = NETWORK) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { network, dataset: datasetFor(network), training: { epochs: 5, initialModel } },
  });

/** Claims the queued job and answers the initial weights the dispatcher would hand its worker. */
async function claimedInitialModel() {
  const claimed = await t.store.jobs.claimNext({
    owner: 'test',
    now: Date.now(),
    leaseMs: 60_000,
    maxAttempts: 3,
    startedAt: new Date().toISOString(),
  });
  return claimed!.initialModel!.map(({ W, b }) => ({ W: matrixToRows(W), b: Array.from(b.data) }));
}

describe('POST /v1/jobs with training.initialModel', () => {
  it('starts from the model of a finished job, recording where it came from', async () => {
    const layers = weightsFor(NETWORK);
    const source = await jobWithModel(t, NETWORK, layers);

    const response = await submit({ jobId: source });

    expect(response.statusCode).toBe(202);
    expect(response.json().training.initialModel).toEqual({ jobId: source });
    expect(await claimedInitialModel()).toEqual(
      layers.map(({ W, b }) => ({ W: matrixToRows(W), b: Array.from(b.data) })),
    );
  });

  it('starts from explicit layers', async () => {
    const layers = [
      {
        W: [
          [0.1, 0.2, 0.3],
          [0.4, 0.5, 0.6],
        ],
        b: [0, 1, 2],
      },
      { W: [[1], [2], [3]], b: [-1] },
    ];

    const response = await submit({ layers });

    expect(response.statusCode).toBe(202);
    expect(response.json().training.initialModel).toEqual({ layers: 'explicit' });
    expect(await claimedInitialModel()).toEqual(layers);
  });

  it('rejects misshapen explicit layers with 422 SHAPE_MISMATCH naming the layer', async () => {
    const response = await submit({
      layers: [
        {
          W: [
            [0.1, 0.2],
            [0.4, 0.5],
          ],
          b: [0, 1],
        },
        { W: [[1], [2]], b: [-1] },
      ],
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'SHAPE_MISMATCH',
      errors: [{ path: 'training.initialModel.layers[0].W' }],
    });
  });

  it('rejects the wrong number of explicit layers with 422 naming the layer list', async () => {
    const response = await submit({
      layers: [
        {
          W: [
            [0.1, 0.2, 0.3],
            [0.4, 0.5, 0.6],
          ],
          b: [0, 1, 2],
        },
      ],
    });

    expect(response.statusCode).toBe(422);
    expect(response.json().errors[0].path).toBe('training.initialModel.layers');
  });

  it('rejects the model of a job whose network has other shapes: 422 naming jobId', async () => {
    const source = await jobWithModel(t, OTHER_NETWORK, weightsFor(OTHER_NETWORK));

    const response = await submit({ jobId: source });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'SHAPE_MISMATCH',
      errors: [{ path: 'training.initialModel.jobId' }],
    });
    expect(response.json().errors[0].message).toContain(`the model of job ${source} does not fit`);
  });

  it('answers 404 naming jobId for an unknown job', async () => {
    const response = await submit({ jobId: 'job_00000000000000000000' });

    expect(response.statusCode).toBe(404);
    expect(response.json().errors).toEqual([
      { path: 'training.initialModel.jobId', message: 'no such job' },
    ]);
  });

  it('answers 409 JOB_NOT_FINISHED for a job that is still running', async () => {
    const source = await runningJob(t, NETWORK, { layers: weightsFor(NETWORK), epoch: 3 });

    const response = await submit({ jobId: source });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      code: 'JOB_NOT_FINISHED',
      errors: [{ path: 'training.initialModel.jobId' }],
    });
  });

  it('answers 409 MODEL_UNAVAILABLE for a job that failed without a model', async () => {
    const source = await failedJob(t, NETWORK);

    const response = await submit({ jobId: source });

    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('MODEL_UNAVAILABLE');
  });
});
