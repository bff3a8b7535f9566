import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ERROR_CODES } from '../../src/errors.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

async function send(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: string,
  type = 'application/json',
) {
  const response = await t.app.inject({
    method,
    url,
    payload,
    headers: payload === undefined ? {} : { 'content-type': type },
  });
  return {
    status: response.statusCode,
    type: String(response.headers['content-type']),
    body: response.json(),
  };
}

/** The answer is a 4xx problem+json with a known code and, if given, points at `path`. */
function expectProblem(
  answer: Awaited<ReturnType<typeof send>>,
  status: number,
  code: string,
  path?: string,
) {
  expect(answer.status).toBe(status);
  expect(answer.type).toContain('application/problem+json');
  expect(answer.body.code).toBe(code);
  expect(Object.keys(HTTP_ERROR_CODES)).toContain(answer.body.code);
  if (path !== undefined)
    expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(path);
}

describe('hostile request bodies', () => {
  it('answer broken JSON with 400', async () => {
    expectProblem(
      await send('POST', '/v1/jobs', '{"network": {'),
      400,
      'VALIDATION_FAILED',
      'body',
    );
    expectProblem(
      await send('POST', '/v1/datasets', 'not json at all'),
      400,
      'VALIDATION_FAILED',
      'body',
    );
  });

  it('answer an empty JSON body with 400', async () => {
    expectProblem(await send('POST', '/v1/networks', ''), 400, 'VALIDATION_FAILED');
  });

  it('answer other content types with 415', async () => {
    expectProblem(
      await send('POST', '/v1/jobs', 'a=b', 'application/x-www-form-urlencoded'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectProblem(
      await send('POST', '/v1/networks', '<xml/>', 'application/xml'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectProblem(
      await send('POST', '/v1/jobs', 'x,y\n1,2', 'text/csv'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  it('refuse non-finite numbers such as 1e999, which JSON.parse turns into Infinity', async () => {
    const body = '{"inputs": [[0, 1e999]], "targets": [[1]]}';
    expectProblem(
      await send('POST', '/v1/datasets', body),
      400,
      'VALIDATION_FAILED',
      'inputs[0][1]',
    );
    const training = JSON.stringify({
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 10 },
    }).replace('"epochs":10', '"epochs":10,"l2":-1e999');
    expectProblem(
      await send('POST', '/v1/jobs', training),
      400,
      'VALIDATION_FAILED',
      'training.l2',
    );
  });

  it('refuse ragged rows, nulls and strings in data, naming row and column', async () => {
    const answer = await send(
      'POST',
      '/v1/datasets',
      JSON.stringify({ inputs: [[0, 0], [1], [null, 1], ['1', 0]], targets: [[0], [1], [1], [0]] }),
    );
    expectProblem(answer, 400, 'VALIDATION_FAILED', 'inputs[1]');
    expect(answer.body.errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['inputs[2][0]', 'inputs[3][0]']),
    );
  });

  it('refuse JSON nested far deeper than any dataset', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expectProblem(
      await send('POST', '/v1/datasets', `{"inputs": ${deep}, "targets": [[1]]}`),
      400,
      'VALIDATION_FAILED',
      'body',
    );
  });

  it('refuse __proto__ and constructor keys anywhere in the body', async () => {
    expectProblem(
      await send('POST', '/v1/networks', '{"__proto__": {"polluted": true}}'),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await send('POST', '/v1/jobs', '{"training": {"constructor": {"prototype": {}}}}'),
      400,
      'VALIDATION_FAILED',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuse unknown fields instead of ignoring a typo', async () => {
    const body = JSON.stringify({ network: XOR_NETWORK, dataset: XOR, training: { epoch: 10 } });
    expectProblem(await send('POST', '/v1/jobs', body), 400, 'VALIDATION_FAILED', 'training');
  });

  it('refuse a CSV with a missing or a non-numeric column', async () => {
    expectProblem(
      await send('POST', '/v1/datasets?targets=y', 'x1,x2,y\n0,0,0\n1,1\n', 'text/csv'),
      400,
      'VALIDATION_FAILED',
      'rows[1]',
    );
    expectProblem(
      await send('POST', '/v1/datasets?targets=y', 'x1,x2,y\n0,zero,0\n', 'text/csv'),
      400,
      'VALIDATION_FAILED',
      'rows[0].x2',
    );
    expectProblem(
      await send('POST', '/v1/datasets?targets=z', 'x1,x2,y\n0,0,0\n', 'text/csv'),
      400,
      'VALIDATION_FAILED',
      'targets',
    );
    expectProblem(
      await send('POST', '/v1/datasets', 'x1,x2,y\n0,0,0\n', 'text/csv'),
      400,
      'VALIDATION_FAILED',
      'targets',
    );
  });
});

describe('hostile paths and parameters', () => {
  it('answer unknown ids and path tricks with 404, keeping them from the database', async () => {
    for (const path of [
      '/v1/jobs/job_doesnotexist0000000000',
      '/v1/jobs/..%2F..%2Fetc%2Fpasswd',
      '/v1/datasets/ds_%00',
      `/v1/networks/net_${'x'.repeat(5000)}`,
      '/v1/jobs/%E2%80%AE',
      '/v1/jobs/job_1/model',
      '/v1/jobs/job_1/history',
      '/v1/../../etc/passwd',
    ]) {
      expectProblem(await send('GET', path), 404, 'NOT_FOUND');
    }
    expectProblem(await send('DELETE', '/v1/datasets/..'), 404, 'NOT_FOUND');
    expectProblem(await send('POST', '/v1/jobs/job_nope/cancel'), 404, 'NOT_FOUND');
    expectProblem(await send('GET', '/v1/jobs/%E0%A4%A'), 400, 'VALIDATION_FAILED', 'url');
  });

  it('answer absurd paging parameters with 400', async () => {
    for (const query of [
      'limit=0',
      'limit=501',
      'limit=-1',
      'limit=1e3',
      'limit=abc',
      'limit=',
      'cursor=garbage',
      'cursor=' + 'A'.repeat(300),
      'status=exploded',
      'unknown=1',
    ]) {
      expectProblem(await send('GET', `/v1/jobs?${query}`), 400, 'VALIDATION_FAILED');
    }
    expectProblem(
      await send('GET', '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaa/history?after=-5'),
      400,
      'VALIDATION_FAILED',
      'after',
    );
  });
});
