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

async function submitXor(epochs: number): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: {
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs, optimizer: { type: 'sgd', learningRate: 1 }, seed: 3 },
    },
  });
  return response.json().id;
}

interface HistoryPage {
  items: { epoch: number; cost: number; gradientNorms: number[]; elapsedMs: number }[];
  nextAfter: number | null;
}

async function history(id: string, query = ''): Promise<HistoryPage> {
  const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/history${query}` });
  expect(response.statusCode).toBe(200);
  return response.json();
}

function epochs(page: HistoryPage): number[] {
  return page.items.map((item) => item.epoch);
}

describe('GET /v1/jobs/{id}/history', () => {
  it('is empty for a queued job, and says where to continue (nextAfter 0)', async () => {
    const id = await submitXor(5);

    expect(await history(id)).toEqual({ items: [], nextAfter: 0 });
  });

  it('lists each epoch of a finished job in order: cost, one gradient norm per layer', async () => {
    const id = await submitXor(5);
    const run = await finishNextJob(t.store);

    const page = await history(id);

    expect(epochs(page)).toEqual([1, 2, 3, 4, 5]);
    expect(page.items.map((item) => item.cost)).toEqual(run.reports.map((report) => report.cost));
    expect(page.items[0].gradientNorms).toHaveLength(2);
    expect(page.nextAfter).toBeNull();
  });

  it("pages by epoch with ?after and ?limit, nextAfter null at a finished job's end", async () => {
    const id = await submitXor(5);
    await finishNextJob(t.store);

    const first = await history(id, '?limit=2');
    const second = await history(id, `?limit=2&after=${first.nextAfter}`);
    const third = await history(id, `?limit=2&after=${second.nextAfter}`);

    expect([epochs(first), first.nextAfter]).toEqual([[1, 2], 2]);
    expect([epochs(second), second.nextAfter]).toEqual([[3, 4], 4]);
    expect([epochs(third), third.nextAfter]).toEqual([[5], null]);
  });

  it("keeps nextAfter on a finished job's exactly full page, ending on an empty one", async () => {
    const id = await submitXor(4);
    await finishNextJob(t.store);

    const full = await history(id, '?limit=4');
    const end = await history(id, `?limit=4&after=${full.nextAfter}`);

    expect([epochs(full), full.nextAfter]).toEqual([[1, 2, 3, 4], 4]);
    expect(end).toEqual({ items: [], nextAfter: null });
  });

  it('never ends the history of a running job: nextAfter is its last epoch so far', async () => {
    const id = await submitXor(50);
    await startNextJob(t.store, 6);

    const page = await history(id, '?after=4');
    const caughtUp = await history(id, '?after=6');

    expect([epochs(page), page.nextAfter]).toEqual([[5, 6], 6]);
    expect(caughtUp).toEqual({ items: [], nextAfter: 6 });
  });

  it('samples a long history with ?every: its multiples, the same costs, paged alike', async () => {
    const id = await submitXor(23);
    await finishNextJob(t.store);
    const all = await history(id, '?limit=500');

    const sampled = await history(id, '?every=5');
    const first = await history(id, '?every=5&limit=3');
    const rest = await history(id, `?every=5&limit=3&after=${first.nextAfter}`);

    expect(epochs(sampled)).toEqual([5, 10, 15, 20]);
    expect(sampled.items).toEqual(all.items.filter((item) => item.epoch % 5 === 0));
    expect(sampled.nextAfter).toBeNull();
    expect([epochs(first), first.nextAfter]).toEqual([[5, 10, 15], 15]);
    expect([epochs(rest), rest.nextAfter]).toEqual([[20], null]);
  });

  it('rejects a negative or fractional after and a bad limit or every with 400', async () => {
    const id = await submitXor(5);

    for (const query of [
      '?after=-1',
      '?after=1.5',
      '?after=x',
      '?limit=0',
      '?limit=501',
      '?every=0',
      '?every=2.5',
      '?every=1000000001',
    ]) {
      const response = await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/history${query}` });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().errors[0].path).toBe(query.slice(1, query.indexOf('=')));
    }
  });

  it('answers 404 for an unknown job', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/jobs/job_00000000000000000000/history',
    });

    expect(response.statusCode).toBe(404);
  });
});

describe('GET /v1/jobs/{id}/model', () => {
  function getModel(id: string, query = '') {
    return t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/model${query}` });
  }

  it('answers 409 JOB_NOT_FINISHED for a queued job, even with ?checkpoint=latest', async () => {
    const id = await submitXor(5);

    const plain = await getModel(id);
    const latest = await getModel(id, '?checkpoint=latest');

    expect(plain.statusCode).toBe(409);
    expect(plain.json()).toMatchObject({
      code: 'JOB_NOT_FINISHED',
      detail: expect.stringContaining('checkpoint=latest'),
    });
    expect(latest.statusCode).toBe(409);
    expect(latest.json().code).toBe('JOB_NOT_FINISHED');
  });

  it('answers 409 JOB_NOT_FINISHED while running, or its newest checkpoint if asked', async () => {
    const id = await submitXor(50);
    const run = await startNextJob(t.store, 6);

    const plain = await getModel(id);
    const latest = await getModel(id, '?checkpoint=latest');

    expect(plain.statusCode).toBe(409);
    expect(plain.json().code).toBe('JOB_NOT_FINISHED');
    expect(latest.statusCode).toBe(200);
    const model = latest.json();
    expect(model).toMatchObject({ epoch: 6, cost: run.reports[5].cost, network: { inputSize: 2 } });
    expect(
      model.layers.map((layer: { W: number[][] }) => [layer.W.length, layer.W[0].length]),
    ).toEqual([
      [2, 10],
      [10, 1],
    ]);
    expect(model.layers.map((layer: { b: number[] }) => layer.b.length)).toEqual([10, 1]);
    expect(model.layers.map((layer: { activation: string }) => layer.activation)).toEqual([
      'sigmoid',
      'sigmoid',
    ]);
  });

  it("returns a finished job's W as [inputs][units], b and activation for each layer", async () => {
    const id = await submitXor(5);
    const run = await finishNextJob(t.store);

    const response = await getModel(id);

    expect(response.statusCode).toBe(200);
    const model = response.json();
    expect(model).toMatchObject({
      epoch: 5,
      cost: run.reports[4].cost,
      network: { ...XOR_NETWORK, parameterCount: 41 },
    });
    expect(model.layers[0].W).toHaveLength(2);
    expect(model.layers[0].W[0]).toHaveLength(10);
    expect(model.layers[1].W).toHaveLength(10);
    expect(model.layers[1].b).toHaveLength(1);
    expect(
      model.layers.flatMap((layer: { W: number[][] }) => layer.W.flat()).every(Number.isFinite),
    ).toBe(true);
  });

  it("serves a finished job's final model for ?checkpoint=latest, not a checkpoint", async () => {
    const id = await submitXor(5);
    await finishNextJob(t.store);

    const response = await getModel(id, '?checkpoint=latest');

    expect(response.statusCode).toBe(200);
    expect(response.json().epoch).toBe(5);
  });

  it('answers 409 MODEL_UNAVAILABLE for a job cancelled before it started', async () => {
    const id = await submitXor(5);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    const response = await getModel(id);

    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('MODEL_UNAVAILABLE');
  });

  it('rejects an unknown ?checkpoint value and answers 404 for an unknown job', async () => {
    const id = await submitXor(5);

    const badQuery = await getModel(id, '?checkpoint=first');
    const unknown = await getModel('job_00000000000000000000');

    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().errors[0].path).toBe('checkpoint');
    expect(unknown.statusCode).toBe(404);
  });
});
