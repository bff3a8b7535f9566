import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => { t = await createTestApp(); });
afterEach(async () => { await t.close(); });

describe('POST /v1/datasets', () => {
  it('stores JSON inputs and targets and answers 201 with Location', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload: { name: 'xor', ...XOR } });

    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ name: 'xor', rows: 4, inputSize: 2, targetSize: 1 });
    expect(body.id).toMatch(/^ds_/);
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(response.headers.location).toBe(`/v1/datasets/${body.id}`);
    const values = await t.store.datasets.values(body.id);
    expect(Array.from(values!.inputs)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
  });

  it('names the row and column of a value that is not a finite number', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/datasets',
      payload: { inputs: [[0, 0], [0, 'x']], targets: [[0], [1]] } });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED',
      errors: [{ path: 'inputs[1][1]' }] });
  });

  it('stores CSV with the target columns named in the query', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/v1/datasets?targets=y',
      headers: { 'content-type': 'text/csv' }, payload: 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ rows: 4, inputSize: 2, targetSize: 1 });
  });
});
