import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

function postDataset(payload: unknown, query = '') {
  return t.app.inject({ method: 'POST', url: `/v1/datasets${query}`, payload: payload as object });
}

function postCsv(csv: string, query: string) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/datasets${query}`,
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
}

async function storedTargets(id: string): Promise<number[]> {
  return Array.from((await t.store.datasets.values(id))!.targets);
}

describe('POST /v1/datasets with JSON', () => {
  it('stores inputs and targets and answers 201 with Location', async () => {
    const response = await postDataset({ name: 'xor', ...XOR });

    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ name: 'xor', rows: 4, inputSize: 2, targetSize: 1 });
    expect(body.id).toMatch(/^ds_/);
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(response.headers.location).toBe(`/v1/datasets/${body.id}`);
    const values = await t.store.datasets.values(body.id);
    expect(Array.from(values!.inputs)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(values!.targets)).toEqual([0, 1, 1, 0]);
  });

  it('gives equal data an equal sha256 and different data a different one', async () => {
    const first = (await postDataset(XOR)).json();
    const same = (await postDataset({ name: 'again', ...XOR })).json();
    const other = (await postDataset({ ...XOR, targets: [[1], [1], [1], [0]] })).json();

    expect(same.sha256).toBe(first.sha256);
    expect(other.sha256).not.toBe(first.sha256);
  });

  it('stores labels one-hot, as wide as the largest label + 1', async () => {
    const response = await postDataset({
      inputs: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
      labels: [0, 2, 1],
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ rows: 3, inputSize: 2, targetSize: 3 });
    expect(await storedTargets(response.json().id)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
  });

  it('stores labels one-hot as wide as `classes` when given', async () => {
    const response = await postDataset({ inputs: [[0], [1]], labels: [1, 0], classes: 4 });

    expect(response.json().targetSize).toBe(4);
    expect(await storedTargets(response.json().id)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
  });

  it('rejects a label that is not below `classes`, naming its row', async () => {
    const response = await postDataset({ inputs: [[0], [1]], labels: [1, 3], classes: 3 });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'labels[1]', message: expect.stringContaining('row 1') },
    ]);
  });

  it('rejects a label that is not a non-negative integer, naming its row', async () => {
    const response = await postDataset({ inputs: [[0], [1], [2]], labels: [0, 1.5, -1] });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((error: { path: string }) => error.path)).toEqual([
      'labels[1]',
      'labels[2]',
    ]);
  });

  it('names the row and column of a value that is not a number', async () => {
    const response = await postDataset({
      inputs: [
        [0, 0],
        [0, 'x'],
      ],
      targets: [[0], [1]],
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      errors: [{ path: 'inputs[1][1]', message: 'row 1, column 1: "x" is not a finite number' }],
    });
  });

  it('rejects 1e999, which JSON parses to Infinity, naming its row and column', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs":[[0,0],[1,1]],"targets":[[0],[1e999]]}',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'targets[1][0]', message: 'row 1, column 0: Infinity is not a finite number' },
    ]);
  });

  it('rejects null and -1e999 cells', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs":[[null,0],[1,-1e999]],"targets":[[0],[1]]}',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((error: { path: string }) => error.path)).toEqual([
      'inputs[0][0]',
      'inputs[1][1]',
    ]);
  });

  it('rejects ragged rows, naming the row that differs from row 0', async () => {
    const response = await postDataset({ inputs: [[0, 0], [1], [1, 1]], targets: [[0], [1], [0]] });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'inputs[1]', message: 'row 1 has 1 values; row 0 has 2' },
    ]);
  });

  it('rejects a body with neither targets nor labels', async () => {
    const response = await postDataset({ inputs: [[0, 0]] });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'targets', message: 'give exactly one of targets or labels' },
    ]);
  });

  it('rejects a body with both targets and labels', async () => {
    const response = await postDataset({ inputs: [[0, 0]], targets: [[1]], labels: [1] });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('targets');
  });

  it('rejects targets with another number of rows than inputs', async () => {
    const response = await postDataset({
      inputs: [
        [0, 0],
        [1, 1],
      ],
      targets: [[0]],
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'targets', message: 'has 1 rows; inputs has 2' },
    ]);
  });

  it('rejects labels with another number of rows than inputs', async () => {
    const response = await postDataset({
      inputs: [
        [0, 0],
        [1, 1],
      ],
      labels: [0, 1, 1],
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'labels', message: 'has 3 rows; inputs has 2' },
    ]);
  });

  it('rejects an empty inputs array and unknown fields', async () => {
    const empty = await postDataset({ inputs: [], targets: [] });
    const unknown = await postDataset({ ...XOR, weights: [1] });

    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors[0].path).toBe('inputs');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].message).toContain('weights');
  });

  it('rejects malformed JSON and an empty body with 400', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": [[0, 0]',
    });
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });

    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'body' }],
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().code).toBe('VALIDATION_FAILED');
  });

  it('refuses a __proto__ key, also when spelled with escapes', async () => {
    for (const key of ['__proto__', '\\u005f_proto__', 'constructor']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/datasets',
        headers: { 'content-type': 'application/json' },
        payload: `{"inputs":[[0]],"targets":[[1]],"${key}":{"polluted":true}}`,
      });

      expect(response.statusCode, key).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses CSV query parameters on a JSON body', async () => {
    const response = await postDataset(XOR, '?targets=y');

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'targets', message: expect.stringContaining('CSV') },
    ]);
  });

  it('answers 415 for a content type other than JSON or CSV', async () => {
    for (const type of ['application/xml', 'text/plain', 'multipart/form-data; boundary=x']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/datasets',
        headers: { 'content-type': type },
        payload: '<inputs/>',
      });

      expect(response.statusCode, type).toBe(415);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });
});

describe('POST /v1/datasets with CSV', () => {
  const XOR_CSV = 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n';

  it('stores the columns named by ?targets as targets and the rest as inputs', async () => {
    const response = await postCsv(
      'y,x1,x2\r\n0,0,0\r\n1,0,1\r\n1,1,0\r\n0,1,1\r\n',
      '?targets=y&name=xor',
    );

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ name: 'xor', rows: 4, inputSize: 2, targetSize: 1 });
    const values = await t.store.datasets.values(response.json().id);
    expect(Array.from(values!.inputs)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(values!.targets)).toEqual([0, 1, 1, 0]);
  });

  it('gives the same sha256 as the same data sent as JSON', async () => {
    const csv = (await postCsv(XOR_CSV, '?targets=y')).json();
    const json = (await postDataset(XOR)).json();

    expect(csv.sha256).toBe(json.sha256);
  });

  it('takes several target columns in the order ?targets names them', async () => {
    const response = await postCsv('a,b,c\n1,2,3\n4,5,6\n', '?targets=c,a');

    expect(response.json()).toMatchObject({ inputSize: 1, targetSize: 2 });
    expect(await storedTargets(response.json().id)).toEqual([3, 1, 6, 4]);
  });

  it('stores a ?labels column one-hot', async () => {
    const response = await postCsv('x,class\n0.5,2\n0.1,0\n', '?labels=class');

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ inputSize: 1, targetSize: 3 });
    expect(await storedTargets(response.json().id)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('names the line and column of a value that is not finite, 1e999 included', async () => {
    const response = await postCsv('x1,x2,y\n0,0,0\n0,1e999,1\n1,abc,1\n', '?targets=y');

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'rows[1].x2', message: 'line 3, column "x2": "1e999" is not a finite number' },
      { path: 'rows[2].x2', message: 'line 4, column "x2": "abc" is not a finite number' },
    ]);
  });

  it('names a line with another number of values than the header', async () => {
    const response = await postCsv('x1,x2,y\n0,0,0\n1,0\n', '?targets=y');

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'rows[1]', message: 'line 3 has 2 values; the header has 3' },
    ]);
  });

  it('rejects an empty cell and a label that is not a class index', async () => {
    const empty = await postCsv('x,y\n1,\n', '?targets=y');
    const label = await postCsv('x,class\n1,0\n2,0.5\n', '?labels=class');

    expect(empty.json().errors[0].path).toBe('rows[0].y');
    expect(label.statusCode).toBe(400);
    expect(label.json().errors).toEqual([
      { path: 'rows[1].class', message: expect.stringContaining('line 3') },
    ]);
  });

  it('asks for ?targets or ?labels when neither is given', async () => {
    const response = await postCsv(XOR_CSV, '');

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({
      path: 'targets',
      message: expect.stringContaining('?targets='),
    });
  });

  it('names a target column the header does not have, listing the columns', async () => {
    const response = await postCsv(XOR_CSV, '?targets=z');

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'targets', message: 'no column named "z" (columns: x1, x2, y)' },
    ]);
  });

  it('rejects a header without data lines and a repeated column name', async () => {
    const headerOnly = await postCsv('x,y\n', '?targets=y');
    const repeated = await postCsv('x,x,y\n1,2,3\n', '?targets=y');

    expect(headerOnly.statusCode).toBe(400);
    expect(headerOnly.json().errors[0].path).toBe('body');
    expect(repeated.statusCode).toBe(400);
    expect(repeated.json().errors).toEqual([
      { path: 'header', message: 'column "x" appears twice' },
    ]);
  });
});

describe('GET /v1/datasets', () => {
  async function createDatasets(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index++)
      ids.push((await postDataset({ name: `d${index}`, ...XOR })).json().id);
    return ids;
  }

  it('lists datasets newest first, without their values', async () => {
    const ids = await createDatasets(3);

    const response = await t.app.inject({ method: 'GET', url: '/v1/datasets' });

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.items.map((item: { id: string }) => item.id)).toEqual([...ids].reverse());
    expect(body.nextCursor).toBeNull();
    expect(Object.keys(body.items[0]).sort()).toEqual([
      'createdAt',
      'id',
      'inputSize',
      'name',
      'rows',
      'sha256',
      'targetSize',
    ]);
  });

  it('pages with limit and the opaque cursor, every item once', async () => {
    const ids = await createDatasets(5);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const body = (await t.app.inject({ method: 'GET', url: `/v1/datasets${query}` })).json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item: { id: string }) => item.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);

    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('gives a null nextCursor when the last page is exactly full', async () => {
    await createDatasets(2);

    const body = (await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=2' })).json();

    expect(body.items).toHaveLength(2);
    expect(body.nextCursor).toBeNull();
  });

  it.each(['0', '501', 'abc', '1.5', '-1'])(
    'rejects limit=%s with 400 naming limit',
    async (limit) => {
      const response = await t.app.inject({ method: 'GET', url: `/v1/datasets?limit=${limit}` });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'limit', message: 'must be an integer from 1 to 500' }],
      });
    },
  );

  it('accepts limit=1 and limit=500', async () => {
    await createDatasets(2);

    const one = await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=1' });
    const most = await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=500' });

    expect(one.json().items).toHaveLength(1);
    expect(one.json().nextCursor).not.toBeNull();
    expect(most.json().items).toHaveLength(2);
  });

  it('rejects a cursor it did not issue', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/datasets?cursor=bm90LWEtY3Vyc29y',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'cursor', message: 'is not a cursor this service issued' },
    ]);
  });
});

describe('GET /v1/datasets/{id}', () => {
  it('returns the metadata of a stored dataset', async () => {
    const created = (await postDataset({ name: 'xor', ...XOR })).json();

    const response = await t.app.inject({ method: 'GET', url: `/v1/datasets/${created.id}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(created);
  });

  it('answers 404 problem+json for an unknown or malformed id', async () => {
    for (const id of ['ds_00000000000000000000', 'nonsense', 'job_00000000000000000000']) {
      const response = await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` });

      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({
        code: 'NOT_FOUND',
        detail: `dataset ${id} not found`,
      });
    }
  });
});

describe('DELETE /v1/datasets/{id}', () => {
  it('deletes a dataset no job uses: 204, then 404', async () => {
    const { id } = (await postDataset(XOR)).json();

    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}` });

    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` })).statusCode).toBe(404);
    expect(await t.store.datasets.values(id)).toBeNull();
  });

  it('answers 409 DATASET_IN_USE while a queued job uses it, 204 after the cancel', async () => {
    const { id } = (await postDataset(XOR)).json();
    const job = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: { network: XOR_NETWORK, dataset: { id }, training: { epochs: 10 } },
      })
    ).json();

    const refused = await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}` });

    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'DATASET_IN_USE',
      detail: expect.stringContaining(job.id),
    });
    expect((await t.app.inject({ method: 'GET', url: `/v1/datasets/${id}` })).statusCode).toBe(200);

    await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${id}` })).statusCode).toBe(
      204,
    );
  });

  it('answers 404 for an unknown dataset', async () => {
    const response = await t.app.inject({
      method: 'DELETE',
      url: '/v1/datasets/ds_00000000000000000000',
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });
});
