import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import {
  XOR_2_10_1,
  XOR_DATASET,
  httpClient,
  longJob,
  pollUntil,
  readWholeHistory,
  startRealService,
  temporaryDataDir,
  type HttpClient,
} from '../support/server.js';

/**
 * The real service end to end: a real port, a SQLite file in a temporary DATA_DIR and two
 * piscina worker threads training with the engine.
 */
let dataDir: string;
let service: Service;
let api: HttpClient;

beforeAll(async () => {
  dataDir = temporaryDataDir();
  service = await startRealService(dataDir, { WORKERS: '2' });
  api = httpClient(service.url);
});

afterAll(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function submit(training: object): Promise<string> {
  return submitJob({ network: XOR_2_10_1, dataset: XOR_DATASET, training });
}

async function submitJob(body: object): Promise<string> {
  const response = await api.post('/v1/jobs', body);
  expect(response.status).toBe(202);
  return response.body.id;
}

/** Reads the SQLite file itself: a job's history rows, which the key makes unique per epoch. */
function countStoredEpochs(jobId: string): { count: number; first: number; last: number } {
  const db = new Database(join(dataDir, 'chainrule.db'), { readonly: true });
  try {
    return db
      .prepare(
        `SELECT count(*) AS count, min(epoch) AS first, max(epoch) AS last FROM job_history
      WHERE job_id = ?`,
      )
      .get(jobId) as { count: number; first: number; last: number };
  } finally {
    db.close();
  }
}

function waitForStatus(jobId: string, statuses: string[]) {
  return pollUntil(
    async () => (await api.get(`/v1/jobs/${jobId}`)).body,
    (job) => statuses.includes(job.status),
    `job ${jobId} to be ${statuses.join(' or ')}`,
  );
}

describe("the lecture's XOR 2-10-1 job on the real service", () => {
  it('succeeds with each epoch in its history once, a falling cost and W₁ of [2][10]', async () => {
    const epochs = 2000;
    const jobId = await submit({ epochs, optimizer: { type: 'sgd', learningRate: 1 }, seed: 1 });

    const job = await waitForStatus(jobId, ['succeeded', 'failed', 'cancelled']);

    expect(job).toMatchObject({
      status: 'succeeded',
      stopReason: 'epochs',
      error: null,
      attempts: 1,
      progress: { epoch: epochs, epochs },
    });
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));

    const history = await readWholeHistory(api, jobId);
    expect(history.map((item) => item.epoch)).toEqual(
      Array.from({ length: epochs }, (_, index) => index + 1),
    );
    const costs = history.map((item) => item.cost);
    expect(costs[costs.length - 1]).toBeLessThan(costs[0] / 10);
    expect(costs[costs.length - 1]).toBe(job.cost);

    const model = (await api.get(`/v1/jobs/${jobId}/model`)).body;
    expect(model.epoch).toBe(epochs);
    expect(model.layers[0].W).toHaveLength(2);
    expect(model.layers[0].W.every((row: number[]) => row.length === 10)).toBe(true);
    expect(model.layers[0].b).toHaveLength(10);
    expect([model.layers[1].W.length, model.layers[1].W[0].length]).toEqual([10, 1]);
  });

  it('stores all 300,000 fast epochs, once and in order, before the job succeeds', async () => {
    // Epochs of microseconds outrun the database; the worker must wait for it, not drop reports.
    const epochs = 300_000;
    const jobId = await submit({ epochs, optimizer: { type: 'sgd', learningRate: 0.5 }, seed: 2 });

    const job = await waitForStatus(jobId, ['succeeded', 'failed', 'cancelled']);

    expect(job).toMatchObject({ status: 'succeeded', progress: { epoch: epochs } });
    expect(countStoredEpochs(jobId)).toEqual({ count: epochs, first: 1, last: epochs });
    const head = (await api.get(`/v1/jobs/${jobId}/history?limit=500`)).body;
    expect(head.items.map((item: { epoch: number }) => item.epoch)).toEqual(
      Array.from({ length: 500 }, (_, index) => index + 1),
    );
    const tail = (await api.get(`/v1/jobs/${jobId}/history?after=${epochs - 1}`)).body;
    expect(tail).toEqual({
      items: [expect.objectContaining({ epoch: epochs, cost: job.cost })],
      nextAfter: null,
    });
  });

  it('gives the same history and weights, bit for bit, when the same job runs again', async () => {
    const training = {
      epochs: 300,
      optimizer: { type: 'adam', learningRate: 0.05 },
      seed: 11,
      batchSize: 2,
    };
    const first = await submit(training);
    const second = await submit(training);
    await waitForStatus(first, ['succeeded']);
    await waitForStatus(second, ['succeeded']);

    expect(await readWholeHistory(api, second)).toEqual(
      (await readWholeHistory(api, first)).map((item) => ({
        ...item,
        elapsedMs: expect.any(Number),
      })),
    );
    expect((await api.get(`/v1/jobs/${second}/model`)).body.layers).toEqual(
      (await api.get(`/v1/jobs/${first}/model`)).body.layers,
    );
  });
});

describe('cancelling a running job on the real service', () => {
  it('stops it midway: it ends cancelled with the model of its last finished epoch', async () => {
    const jobId = await submitJob(longJob());
    await pollUntil(
      async () => (await api.get(`/v1/jobs/${jobId}`)).body,
      (job) => job.status === 'running' && job.progress.epoch > 0,
      'the long job to report an epoch',
    );
    const checkpoint = await pollUntil(
      async () => api.get(`/v1/jobs/${jobId}/model?checkpoint=latest`),
      (answer) => answer.status === 200,
      'a checkpoint of the running job',
      { polls: 500 },
    ).catch(() => null);

    const cancel = await api.post(`/v1/jobs/${jobId}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body.cancelRequested).toBe(true);
    const job = await waitForStatus(jobId, ['cancelled', 'succeeded', 'failed']);

    expect(job).toMatchObject({ status: 'cancelled', stopReason: 'cancelled', error: null });
    expect(job.progress.epoch).toBeGreaterThan(0);
    expect(job.progress.epoch).toBeLessThan(job.progress.epochs);
    const model = await api.get(`/v1/jobs/${jobId}/model`);
    expect(model.status).toBe(200);
    expect(model.body.epoch).toBe(job.progress.epoch);
    expect(model.body.layers[0].W).toHaveLength(2);
    if (checkpoint) expect(model.body.epoch).toBeGreaterThanOrEqual(checkpoint.body.epoch);

    // The history ends at the model's epoch: nothing of the interrupted epoch is left.
    const tail = await api.get(`/v1/jobs/${jobId}/history?after=${model.body.epoch - 1}`);
    expect(tail.body).toMatchObject({
      items: [{ epoch: model.body.epoch, cost: model.body.cost }],
      nextAfter: null,
    });
  });
});

describe('two jobs on two workers', () => {
  it('trains both at the same time', async () => {
    const first = await submitJob(longJob(7));
    const second = await submitJob(longJob(8));

    const running = await pollUntil(
      async () =>
        (await api.get('/v1/jobs?status=running')).body.items.map((job: { id: string }) => job.id),
      (ids: string[]) => ids.includes(first) && ids.includes(second),
      'both jobs to be running at once',
    );
    expect(running).toEqual(expect.arrayContaining([first, second]));

    // Both make progress while they run side by side.
    const progress = async (id: string) => (await api.get(`/v1/jobs/${id}`)).body.progress.epoch;
    await pollUntil(
      async () => [await progress(first), await progress(second)],
      (epochs) => epochs.every((epoch) => epoch > 0),
      'both jobs to report epochs',
    );

    await api.post(`/v1/jobs/${first}/cancel`);
    await api.post(`/v1/jobs/${second}/cancel`);
    await waitForStatus(first, ['cancelled']);
    await waitForStatus(second, ['cancelled']);
  });
});
