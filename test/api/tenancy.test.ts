import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';

const ALPHA = 'alpha-key-0123456789abcdef';
const BETA = 'beta-key-fedcba9876543210';
const KEYS = { API_KEYS: `alpha:${ALPHA},beta:${BETA}`, RATE_LIMIT_PER_MINUTE: '0' };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Method = 'GET' | 'POST' | 'DELETE';
async function call(method: Method, url: string, key?: string, payload?: unknown) {
  const response = await t!.app.inject({
    method,
    url,
    payload: payload as object,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  const json = String(response.headers['content-type']).includes('json') && response.body;
  return {
    status: response.statusCode,
    headers: response.headers,
    body: json ? response.json() : response.body,
  };
}

/** One of each resource, owned by `key`'s tenant; the job has a model to download. */
async function createResources(key: string) {
  const dataset = (await call('POST', '/v1/datasets', key, XOR)).body.id;
  const network = (await call('POST', '/v1/networks', key, XOR_NETWORK)).body.id;
  const job = (
    await call('POST', '/v1/jobs', key, {
      network: { id: network },
      dataset: { id: dataset },
      training: { epochs: 5 },
    })
  ).body.id;
  return { dataset, network, job };
}

/** Every documented /v1 operation, with its path parameters filled from `ids`. */
async function documentedOperations(ids: { dataset: string; network: string; job: string }) {
  const document = (await t!.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const operations: { method: Method; url: string; template: string }[] = [];
  for (const [template, item] of Object.entries<Record<string, unknown>>(document.paths)) {
    if (!template.startsWith('/v1/')) continue;
    const id = template.startsWith('/v1/datasets')
      ? ids.dataset
      : template.startsWith('/v1/networks')
        ? ids.network
        : ids.job;
    for (const method of Object.keys(item)) {
      operations.push({
        method: method.toUpperCase() as Method,
        url: template.replace('{id}', id),
        template,
      });
    }
  }
  return operations;
}

describe('API keys', () => {
  it('are required on every documented /v1 route: 401 problem+json, Bearer challenge', async () => {
    t = await createTestApp(KEYS);
    const operations = await documentedOperations(await createResources(ALPHA));
    expect(operations.length).toBeGreaterThanOrEqual(10);

    for (const { method, url } of operations) {
      for (const key of [undefined, 'not-a-valid-key-at-all-0000', `${ALPHA}x`]) {
        const answer = await call(method, url, key, method === 'GET' ? undefined : {});
        expect(answer.status, `${method} ${url}`).toBe(401);
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(answer.headers['www-authenticate']).toContain('Bearer');
        expect(answer.body.code).toBe('UNAUTHORIZED');
      }
    }
    const basic = await t.app.inject({
      method: 'GET',
      url: '/v1/jobs',
      headers: { authorization: `Basic ${ALPHA}` },
    });
    expect(basic.statusCode).toBe(401);
  });

  it('are not needed for health, readiness, the docs and the OpenAPI document', async () => {
    t = await createTestApp(KEYS);
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/docs/']) {
      expect((await call('GET', url)).status, url).toBe(200);
    }
  });

  it('are declared in the OpenAPI document as a bearer scheme', async () => {
    t = await createTestApp(KEYS);
    const document = (await call('GET', '/openapi.json')).body;
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
  });

  it('are never written to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({ ...KEYS, LOG_LEVEL: 'trace' });
    const store = SqliteStore.open(':memory:');
    const app = await buildApp({
      config,
      store,
      events: new JobEvents(),
      logger: createLogger('trace', sink),
      dispatcher: { wake: () => undefined, cancel: () => undefined },
      isPoolUsable: () => true,
    });
    await app.inject({
      method: 'GET',
      url: '/v1/jobs',
      headers: { authorization: `Bearer ${ALPHA}` },
    });
    await app.inject({
      method: 'GET',
      url: '/v1/jobs',
      headers: { authorization: `Bearer ${ALPHA}wrong` },
    });
    await app.close();
    await store.close();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain(ALPHA);
  });
});

describe('tenants', () => {
  it("see others' ids get 404 on every documented route, exactly as unknown ids do", async () => {
    t = await createTestApp(KEYS);
    const owned = await createResources(ALPHA);
    for (const { method, url, template } of await documentedOperations(owned)) {
      if (!template.includes('{id}')) continue;
      const answer = await call(
        method,
        url,
        BETA,
        method === 'GET' || method === 'DELETE' ? undefined : { inputs: [[0, 0]] },
      );
      expect(answer.status, `${method} ${url}`).toBe(404);
      expect(answer.body.code).toBe('NOT_FOUND');
    }
    // The owner still has all of it: nothing was cancelled or deleted by the other tenant.
    expect((await call('GET', `/v1/jobs/${owned.job}`, ALPHA)).body).toMatchObject({
      status: 'queued',
      cancelRequested: false,
    });
    expect((await call('GET', `/v1/datasets/${owned.dataset}`, ALPHA)).status).toBe(200);
  });

  it('list only their own datasets, networks and jobs', async () => {
    t = await createTestApp(KEYS);
    const alpha = await createResources(ALPHA);
    const beta = await createResources(BETA);
    for (const [list, field] of [
      ['/v1/datasets', 'dataset'],
      ['/v1/networks', 'network'],
      ['/v1/jobs', 'job'],
    ] as const) {
      const seenByBeta = (await call('GET', list, BETA)).body.items.map(
        (item: { id: string }) => item.id,
      );
      expect(seenByBeta).toEqual([beta[field]]);
      expect(seenByBeta).not.toContain(alpha[field]);
      expect(
        (await call('GET', list, ALPHA)).body.items.map((item: { id: string }) => item.id),
      ).toEqual([alpha[field]]);
    }
  });

  it("cannot train on, warm-start from or refer to others' networks, datasets, jobs", async () => {
    t = await createTestApp(KEYS);
    const alpha = await createResources(ALPHA);
    const attempts = [
      { network: { id: alpha.network }, dataset: XOR, training: { epochs: 5 } },
      { network: XOR_NETWORK, dataset: { id: alpha.dataset }, training: { epochs: 5 } },
      {
        network: XOR_NETWORK,
        dataset: XOR,
        training: { epochs: 5, initialModel: { jobId: alpha.job } },
      },
    ];
    for (const body of attempts) {
      const answer = await call('POST', '/v1/jobs', BETA, body);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('NOT_FOUND');
    }
  });
});

describe('limits per tenant', () => {
  it('answer 429 RATE_LIMITED, Retry-After past the per-key rate, sparing other keys', async () => {
    t = await createTestApp({ ...KEYS, RATE_LIMIT_PER_MINUTE: '5' });
    for (let i = 0; i < 5; i++) expect((await call('GET', '/v1/jobs', ALPHA)).status).toBe(200);

    const limited = await call('GET', '/v1/jobs', ALPHA);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('GET', '/v1/jobs', BETA)).status).toBe(200);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('count polls answered from the cache like any other request', async () => {
    t = await createTestApp({ ...KEYS, RATE_LIMIT_PER_MINUTE: '4' });
    const job = await call('POST', '/v1/jobs', ALPHA, {
      network: XOR_NETWORK,
      dataset: XOR,
      training: { epochs: 5 },
    });
    expect(job.status).toBe(202);
    // The first poll builds the answer; the next two are answered from the cache.
    for (let i = 0; i < 3; i++)
      expect((await call('GET', `/v1/jobs/${job.body.id}`, ALPHA)).status).toBe(200);

    const limited = await call('GET', `/v1/jobs/${job.body.id}`, ALPHA);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
  });

  it('count each key apart, even two of one tenant; an open service is unlimited', async () => {
    const second = 'alpha-second-key-0123456789';
    t = await createTestApp({
      API_KEYS: `alpha:${ALPHA},alpha:${second}`,
      RATE_LIMIT_PER_MINUTE: '2',
    });
    for (let i = 0; i < 2; i++) expect((await call('GET', '/v1/jobs', ALPHA)).status).toBe(200);
    expect((await call('GET', '/v1/jobs', ALPHA)).status).toBe(429);
    expect((await call('GET', '/v1/jobs', second)).status).toBe(200);
    await t.close();

    t = await createTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    for (let i = 0; i < 5; i++) expect((await call('GET', '/v1/jobs')).status).toBe(200);
  });

  it('cap the queued and running jobs of one tenant with 429 JOB_QUOTA_EXCEEDED', async () => {
    t = await createTestApp({ ...KEYS, TENANT_JOB_LIMIT: '2' });
    const job = { network: XOR_NETWORK, dataset: XOR, training: { epochs: 5 } };
    for (let i = 0; i < 2; i++)
      expect((await call('POST', '/v1/jobs', ALPHA, job)).status).toBe(202);

    const refused = await call('POST', '/v1/jobs', ALPHA, job);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('JOB_QUOTA_EXCEEDED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('POST', '/v1/jobs', BETA, job)).status).toBe(202);
  });
});

describe('security headers and CORS', () => {
  it('set security headers on the dashboard and docs, and an API policy on the API', async () => {
    t = await createTestApp();
    for (const url of ['/docs/', '/', '/healthz']) {
      const { headers } = await call('GET', url);
      expect(headers['content-security-policy']).toContain("default-src 'self'");
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['x-frame-options']).toBeDefined();
    }
    // API answers are JSON that no browser renders: the short policy of an API, and nosniff.
    const { headers } = await call('GET', '/v1/jobs');
    expect(headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('keep CORS off unless origins are configured, and then allow only those', async () => {
    t = await createTestApp();
    const preflight = {
      method: 'OPTIONS' as const,
      url: '/v1/jobs',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    };
    expect((await t.app.inject(preflight)).headers['access-control-allow-origin']).toBeUndefined();
    await t.close();

    t = await createTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    expect((await t.app.inject(preflight)).headers['access-control-allow-origin']).toBe(
      'https://app.example.com',
    );
    const other = await t.app.inject({
      ...preflight,
      headers: { ...preflight.headers, origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('configuration of keys', () => {
  it('refuses malformed API_KEYS with one line naming the variable', () => {
    expect(() => loadConfig({ API_KEYS: 'alpha:short' })).toThrow(
      /^invalid configuration: API_KEYS /,
    );
    expect(() => loadConfig({ API_KEYS: 'no-colon-here-0123456789' })).toThrow(/API_KEYS/);
    expect(() => loadConfig({ API_KEYS_FILE: '/nonexistent/keys' })).toThrow(/API_KEYS_FILE/);
  });
});
