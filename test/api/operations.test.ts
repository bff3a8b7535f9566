import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /healthz', () => {
  it('answers 200 while the process runs', async () => {
    t = await createTestApp();

    const response = await t.app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the database kind and the worker count when both are usable', async () => {
    t = await createTestApp({ WORKERS: '3' });

    const response = await t.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', database: 'sqlite', workers: 3 });
  });

  it('answers 503 SERVICE_UNAVAILABLE when the worker pool is not usable', async () => {
    t = await createTestApp({}, { isPoolUsable: () => false });

    const response = await t.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      detail: 'the training worker pool is not usable',
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE when the database does not answer', async () => {
    t = await createTestApp();
    t.store.db.close();

    const response = await t.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      detail: 'the database does not answer',
    });
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/v2/jobs'],
    ['GET', '/v1/job'],
    ['DELETE', '/v1/jobs/job_00000000000000000000'],
    ['PUT', '/v1/datasets'],
  ])('answer %s %s with 404 problem+json', async (method, url) => {
    t = await createTestApp();

    const response = await t.app.inject({ method: method as 'GET', url: `${url}?secret=1` });

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      code: 'NOT_FOUND',
      detail: `no route for ${method} ${url}`,
      instance: url,
    });
  });
});

describe('the OpenAPI document and Swagger UI', () => {
  it('serves the document at /openapi.json and Swagger UI at /docs', async () => {
    t = await createTestApp();

    const document = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });

    expect(document.statusCode).toBe(200);
    expect(document.json().openapi).toBe('3.1.0');
    expect(Object.keys(document.json().paths)).toEqual(
      expect.arrayContaining([
        '/v1/datasets',
        '/v1/jobs',
        '/v1/jobs/{id}/history',
        '/v1/jobs/{id}/model',
        '/healthz',
        '/readyz',
      ]),
    );
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});

describe('request logging', () => {
  it('logs one line per request: id, method, URL, status and duration, and no body', async () => {
    const lines: string[] = [];
    t = await createTestApp(
      {},
      { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) },
    );

    await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      headers: { 'x-request-id': 'r-1' },
      payload: { inputs: [[123456789]], targets: [[987654321]] },
    });

    const entries = lines.map((line) => JSON.parse(line));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      reqId: 'r-1',
      method: 'POST',
      url: '/v1/datasets',
      statusCode: 201,
      responseTime: expect.any(Number),
    });
    expect(lines[0]).not.toContain('123456789');
  });

  it('logs fast successful reads (polls) at debug, and failed reads at info', async () => {
    const lines: string[] = [];
    t = await createTestApp(
      {},
      { logger: createLogger('debug', { write: (line: string) => void lines.push(line) }) },
    );

    await t.app.inject({ method: 'GET', url: '/v1/jobs' });
    await t.app.inject({ method: 'GET', url: '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaa' });

    const entries = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.msg === 'request completed');
    expect(entries.map((entry) => [entry.url, entry.statusCode, entry.level])).toEqual([
      ['/v1/jobs', 200, 20],
      ['/v1/jobs/job_aaaaaaaaaaaaaaaaaaaa', 404, 30],
    ]);
  });
});

describe('an unexpected error', () => {
  it('becomes a 500 with a generic detail; the error itself goes only to the log', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    t = await createTestApp({}, { logger });
    t.store.jobs.list = async () => {
      throw new Error('SQLITE_IOERR at /var/lib/chainrule/secret.db');
    };

    const response = await t.app.inject({ method: 'GET', url: '/v1/jobs' });

    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Internal server error',
      status: 500,
      code: 'INTERNAL_ERROR',
      detail: 'an unexpected error occurred; it has been logged',
      instance: '/v1/jobs',
    });
    expect(response.body).not.toContain('secret');

    const logged = lines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'unhandled error');
    expect(logged).toMatchObject({
      level: 50,
      err: { message: 'SQLITE_IOERR at /var/lib/chainrule/secret.db' },
    });
    expect(logged.err.stack).toContain('operations.test.ts');
    expect(logged.reqId).toBeDefined();
  });
});
