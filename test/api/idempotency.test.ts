import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const JOB = { network: XOR_NETWORK, dataset: XOR, training: { epochs: 10, seed: 1 } };

function post(url: string, key: string, payload: object) {
  return t.app.inject({ method: 'POST', url, payload, headers: { 'idempotency-key': key } });
}

async function countJobs(): Promise<number> {
  return (await t.app.inject({ method: 'GET', url: '/v1/jobs?limit=500' })).json().items.length;
}

async function countDatasets(): Promise<number> {
  return (await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=500' })).json().items.length;
}

describe('Idempotency-Key on POST /v1/jobs', () => {
  it('replays the first response for the same key and body, creating one job', async () => {
    const first = await post('/v1/jobs', 'order-17', JOB);
    const repeat = await post('/v1/jobs', 'order-17', JOB);

    expect(first.statusCode).toBe(202);
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual(first.json());
    expect(repeat.headers.location).toBe(first.headers.location);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await countJobs()).toBe(1);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const first = await post('/v1/jobs', 'k', JOB);
    const reordered = await post('/v1/jobs', 'k', {
      training: JOB.training,
      dataset: JOB.dataset,
      network: JOB.network,
    });

    expect(reordered.statusCode).toBe(202);
    expect(reordered.json().id).toBe(first.json().id);
  });

  it('answers 409 IDEMPOTENCY_CONFLICT for one key with two bodies, creating nothing', async () => {
    await post('/v1/jobs', 'order-17', JOB);

    const other = await post('/v1/jobs', 'order-17', { ...JOB, training: { epochs: 11, seed: 1 } });

    expect(other.statusCode).toBe(409);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json().code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await countJobs()).toBe(1);
  });

  it('creates separate jobs for different keys and for requests without a key', async () => {
    await post('/v1/jobs', 'a', JOB);
    await post('/v1/jobs', 'b', JOB);
    await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: JOB });
    await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: JOB });

    expect(await countJobs()).toBe(4);
  });

  it('stores nothing for a refused request, so the fixed request can reuse the key', async () => {
    const refused = await post('/v1/jobs', 'retry-me', {
      ...JOB,
      network: { ...XOR_NETWORK, inputSize: 3 },
    });
    const fixed = await post('/v1/jobs', 'retry-me', JOB);

    expect(refused.statusCode).toBe(422);
    expect(fixed.statusCode).toBe(202);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps replaying the creation response after the job changed', async () => {
    const first = await post('/v1/jobs', 'k', JOB);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${first.json().id}/cancel` });

    const repeat = await post('/v1/jobs', 'k', JOB);

    expect(repeat.json()).toEqual(first.json());
    expect(repeat.json().status).toBe('queued');
  });

  it('keeps keys of the two routes apart', async () => {
    const job = await post('/v1/jobs', 'shared', JOB);
    const dataset = await post('/v1/datasets', 'shared', XOR);

    expect(job.statusCode).toBe(202);
    expect(dataset.statusCode).toBe(201);
  });
});

describe('Idempotency-Key on POST /v1/datasets', () => {
  it('replays the first response for the same key and JSON body, storing one dataset', async () => {
    const first = await post('/v1/datasets', 'upload-1', { name: 'xor', ...XOR });
    const repeat = await post('/v1/datasets', 'upload-1', { name: 'xor', ...XOR });

    expect(first.statusCode).toBe(201);
    expect(repeat.statusCode).toBe(201);
    expect(repeat.json()).toEqual(first.json());
    expect(repeat.headers.location).toBe(first.headers.location);
    expect(repeat.headers['idempotent-replayed']).toBe('true');
    expect(await countDatasets()).toBe(1);
  });

  it('answers 409 IDEMPOTENCY_CONFLICT for the same key with other data', async () => {
    await post('/v1/datasets', 'upload-1', XOR);

    const other = await post('/v1/datasets', 'upload-1', { ...XOR, targets: [[1], [1], [1], [1]] });

    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await countDatasets()).toBe(1);
  });

  it('replays a CSV upload, and tells apart the same CSV with other target columns', async () => {
    const csv = 'a,b,c\n1,2,3\n4,5,6\n';
    const first = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets?targets=c',
      headers: { 'idempotency-key': 'csv', 'content-type': 'text/csv' },
      payload: csv,
    });
    const repeat = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets?targets=c',
      headers: { 'idempotency-key': 'csv', 'content-type': 'text/csv' },
      payload: csv,
    });
    const otherTargets = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets?targets=b,c',
      headers: { 'idempotency-key': 'csv', 'content-type': 'text/csv' },
      payload: csv,
    });

    expect(repeat.json().id).toBe(first.json().id);
    expect(otherTargets.statusCode).toBe(409);
    expect(await countDatasets()).toBe(1);
  });

  it('rejects an empty key with 400', async () => {
    const response = await post('/v1/datasets', '', XOR);

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('idempotency-key');
  });
});
