import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { finishNextJob, startNextJob } from '../support/run-by-hand.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const TRAINING = { epochs: 20, optimizer: { type: 'sgd', learningRate: 1 }, seed: 1 };

function postJob(payload: unknown) {
  return t.app.inject({ method: 'POST', url: '/v1/jobs', payload: payload as object });
}

interface JobBody {
  id: string;
  status: string;
  training: { seed: number };
}

async function submitXor(training: object = TRAINING): Promise<JobBody> {
  const response = await postJob({ network: XOR_NETWORK, dataset: XOR, training });
  expect(response.statusCode).toBe(202);
  return response.json();
}

function getJob(id: string) {
  return t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
}

describe('POST /v1/jobs', () => {
  it('queues a job with inline network and dataset: 202, Location, dispatcher woken', async () => {
    const response = await postJob({ network: XOR_NETWORK, dataset: XOR, training: TRAINING });

    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(job.id).toMatch(/^job_/);
    expect(response.headers.location).toBe(`/v1/jobs/${job.id}`);
    expect(job).toMatchObject({
      status: 'queued',
      cancelRequested: false,
      progress: { epoch: 0, epochs: 20 },
      cost: null,
      stopReason: null,
      error: null,
      attempts: 0,
      startedAt: null,
      finishedAt: null,
      network: { ...XOR_NETWORK, parameterCount: 41 },
      training: {
        epochs: 20,
        batchSize: null,
        optimizer: { type: 'sgd', learningRate: 1 },
        seed: 1,
        shuffle: true,
        validationSplit: 0,
        l2: 0,
        earlyStopping: null,
        targetCost: null,
        initialModel: null,
      },
    });
    expect(job.network.id).toBeUndefined();
    expect(job.datasetId).toMatch(/^ds_/);
    expect(t.woken).toHaveLength(1);
  });

  it('stores the inline dataset so that it can be read back', async () => {
    const job = (
      await postJob({
        network: XOR_NETWORK,
        dataset: { name: 'inline xor', ...XOR },
        training: TRAINING,
      })
    ).json();

    const dataset = await t.app.inject({ method: 'GET', url: `/v1/datasets/${job.datasetId}` });

    expect(dataset.json()).toMatchObject({
      name: 'inline xor',
      rows: 4,
      inputSize: 2,
      targetSize: 1,
    });
  });

  it('trains a stored network on a stored dataset', async () => {
    const network = (
      await t.app.inject({ method: 'POST', url: '/v1/networks', payload: XOR_NETWORK })
    ).json();
    const dataset = (
      await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: XOR })
    ).json();

    const response = await postJob({
      network: { id: network.id },
      dataset: { id: dataset.id },
      training: TRAINING,
    });

    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      datasetId: dataset.id,
      network: { id: network.id, inputSize: 2 },
    });
  });

  it('chooses and records a seed when none is given, so the job can be repeated', async () => {
    const job = await submitXor({ epochs: 5 });

    expect(Number.isInteger(job.training.seed)).toBe(true);
    expect((await getJob(job.id)).json().training.seed).toBe(job.training.seed);
  });

  it('answers 422 SHAPE_MISMATCH when the dataset has another input column count', async () => {
    const response = await postJob({
      network: { ...XOR_NETWORK, inputSize: 3 },
      dataset: XOR,
      training: TRAINING,
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'SHAPE_MISMATCH',
      detail: 'the dataset has 2 input columns; the network takes 3',
      errors: [{ path: 'dataset.inputs' }],
    });
  });

  it('answers 422 SHAPE_MISMATCH when the targets do not fit the last layer', async () => {
    const dataset = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/datasets',
        payload: { inputs: XOR.inputs, labels: [0, 1, 2, 0] },
      })
    ).json();

    const response = await postJob({
      network: XOR_NETWORK,
      dataset: { id: dataset.id },
      training: TRAINING,
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'SHAPE_MISMATCH',
      errors: [{ path: 'dataset.targets', message: '3 columns, but the last layer has 1 units' }],
    });
  });

  it('answers 404 naming the reference when the network or dataset does not exist', async () => {
    const dataset = (
      await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: XOR })
    ).json();

    const noNetwork = await postJob({
      network: { id: 'net_00000000000000000000' },
      dataset: XOR,
      training: TRAINING,
    });
    const noDataset = await postJob({
      network: XOR_NETWORK,
      dataset: { id: 'ds_00000000000000000000' },
      training: TRAINING,
    });
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${dataset.id}` });
    const gone = await postJob({
      network: XOR_NETWORK,
      dataset: { id: dataset.id },
      training: TRAINING,
    });

    expect(noNetwork.statusCode).toBe(404);
    expect(noNetwork.json()).toMatchObject({ code: 'NOT_FOUND', errors: [{ path: 'network.id' }] });
    expect(noDataset.statusCode).toBe(404);
    expect(noDataset.json()).toMatchObject({ code: 'NOT_FOUND', errors: [{ path: 'dataset.id' }] });
    expect(deleted.statusCode).toBe(204);
    expect(gone.statusCode).toBe(404);
  });

  it('names bad training options by their path', async () => {
    const response = await postJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 0, optimizer: { type: 'sgd', learningRate: -1 }, validationSplit: 1 },
    });

    expect(response.statusCode).toBe(400);
    expect(
      response
        .json()
        .errors.map((error: { path: string }) => error.path)
        .sort(),
    ).toEqual(['training.epochs', 'training.optimizer.learningRate', 'training.validationSplit']);
  });

  it('names a bad cell of an inline dataset under dataset.', async () => {
    const response = await postJob({
      network: XOR_NETWORK,
      dataset: {
        inputs: [
          [0, 0],
          [1, 'one'],
        ],
        targets: [[0], [1]],
      },
      training: TRAINING,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      expect.objectContaining({ path: 'dataset.inputs[1][1]' }),
    ]);
  });

  it('rejects early stopping on validationCost without a validation split', async () => {
    const response = await postJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 10, earlyStopping: { monitor: 'validationCost', patience: 5 } },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('training.earlyStopping.monitor');
  });

  it('rejects a validation split that leaves no training rows', async () => {
    const response = await postJob({
      network: XOR_NETWORK,
      dataset: { inputs: [[0, 0]], targets: [[1]] },
      training: { epochs: 10, validationSplit: 0.5 },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'training.validationSplit', message: 'leaves no training rows out of 1' },
    ]);
  });

  it('answers 415 for a CSV body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: { 'content-type': 'text/csv' },
      payload: 'x,y\n1,2\n',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('starts from the model of a finished job given as training.initialModel', async () => {
    await submitXor();
    const source = await finishNextJob(t.store);

    const response = await postJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { ...TRAINING, initialModel: { jobId: source.jobId } },
    });

    expect(response.statusCode).toBe(202);
    expect(response.json().training.initialModel).toEqual({ jobId: source.jobId });
  });

  it('answers 422 SHAPE_MISMATCH for explicit initial weights of other shapes', async () => {
    const response = await postJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: {
        ...TRAINING,
        initialModel: {
          layers: [
            { W: [[1], [1]], b: [0] },
            { W: [[1]], b: [0] },
          ],
        },
      },
    });

    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('SHAPE_MISMATCH');
    expect(response.json().errors[0].path).toMatch(/^training\.initialModel/);
  });
});

describe('POST /v1/jobs under configured limits', () => {
  it('answers 422 LIMIT_EXCEEDED for more epochs than MAX_EPOCHS', async () => {
    await t.close();
    t = await createTestApp({ MAX_EPOCHS: '100' });

    const response = await postJob({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 101 },
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      errors: [{ path: 'training.epochs' }],
    });
  });

  it('answers 503 QUEUE_FULL with Retry-After once QUEUE_LIMIT jobs wait', async () => {
    await t.close();
    t = await createTestApp({ QUEUE_LIMIT: '1' });
    await submitXor();

    const response = await postJob({ network: XOR_NETWORK, dataset: XOR, training: TRAINING });

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('30');
    expect(response.json().code).toBe('QUEUE_FULL');
  });
});

describe('GET /v1/jobs/{id}', () => {
  it('returns the job as POST answered it while it waits', async () => {
    const submitted = await submitXor();

    const response = await getJob(submitted.id);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(submitted);
  });

  it('shows progress, cost and attempts of a running job', async () => {
    const { id } = await submitXor();
    const run = await startNextJob(t.store, 7);

    const job = (await getJob(id)).json();

    expect(job).toMatchObject({
      status: 'running',
      attempts: 1,
      progress: { epoch: 7, epochs: 20 },
      cost: run.reports[6].cost,
      finishedAt: null,
    });
    expect(job.startedAt).not.toBeNull();
  });

  it('answers 404 for an unknown job', async () => {
    const response = await getJob('job_00000000000000000000');

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      code: 'NOT_FOUND',
      detail: 'job job_00000000000000000000 not found',
    });
  });
});

describe('GET /v1/jobs', () => {
  it('lists jobs newest first and filters them by ?status', async () => {
    const first = await submitXor();
    const second = await submitXor();
    const third = await submitXor();
    await finishNextJob(t.store);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${third.id}/cancel` });

    const all = (await t.app.inject({ method: 'GET', url: '/v1/jobs' })).json();
    const byStatus = async (status: string) =>
      (await t.app.inject({ method: 'GET', url: `/v1/jobs?status=${status}` }))
        .json()
        .items.map((job: { id: string }) => job.id);

    expect(all.items.map((job: { id: string }) => job.id)).toEqual([third.id, second.id, first.id]);
    expect(all.nextCursor).toBeNull();
    expect(await byStatus('succeeded')).toEqual([first.id]);
    expect(await byStatus('queued')).toEqual([second.id]);
    expect(await byStatus('cancelled')).toEqual([third.id]);
    expect(await byStatus('running')).toEqual([]);
  });

  it('pages a filtered list with the cursor, every job once', async () => {
    const queued: string[] = [];
    for (let index = 0; index < 5; index++) {
      queued.push((await submitXor()).id);
      const other = await submitXor();
      await t.app.inject({ method: 'POST', url: `/v1/jobs/${other.id}/cancel` });
    }

    const seen: string[] = [];
    let url = '/v1/jobs?status=queued&limit=2';
    for (let page = 0; page < 10; page++) {
      const body = (await t.app.inject({ method: 'GET', url })).json();
      seen.push(...body.items.map((job: { id: string; status: string }) => job.id));
      if (body.nextCursor === null) break;
      url = `/v1/jobs?status=queued&limit=2&cursor=${body.nextCursor}`;
    }

    expect(seen).toEqual([...queued].reverse());
  });

  it('rejects an unknown status and a bad limit with 400', async () => {
    const status = await t.app.inject({ method: 'GET', url: '/v1/jobs?status=done' });
    const limit = await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=501' });

    expect(status.statusCode).toBe(400);
    expect(status.json().errors[0].path).toBe('status');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().errors[0].path).toBe('limit');
  });
});

describe('POST /v1/jobs/{id}/cancel', () => {
  it('cancels a queued job at once, without bothering the dispatcher', async () => {
    const { id } = await submitXor();

    const response = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(response.statusCode).toBe(200);
    const job = response.json();
    expect(job).toMatchObject({
      status: 'cancelled',
      cancelRequested: true,
      stopReason: 'cancelled',
      attempts: 0,
    });
    expect(job.finishedAt).not.toBeNull();
    expect((await getJob(id)).json().status).toBe('cancelled');
    expect(t.cancelled).toEqual([]);
  });

  it('flags a running job and tells the dispatcher, which stops it at its next step', async () => {
    const { id } = await submitXor();
    await startNextJob(t.store, 3);

    const response = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(response.json()).toMatchObject({ status: 'running', cancelRequested: true });
    expect(t.cancelled).toEqual([id]);
  });

  it('leaves a finished job unchanged', async () => {
    const { id } = await submitXor();
    await finishNextJob(t.store);

    const response = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'succeeded',
      stopReason: 'epochs',
      cancelRequested: false,
    });
  });

  it('answers 404 for an unknown job', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs/job_00000000000000000000/cancel',
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });
});
