import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerCache, answerKey } from '../../src/api/answer-cache.js';
import { buildApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { claimAndRecordEpoch, claimNext } from '../support/run-by-hand.js';

describe('the answer cache', () => {
  it('builds an answer once while the stamp holds, and again once it moves', async () => {
    let stamp = 's1';
    let builds = 0;
    const cache = new AnswerCache(() => stamp);
    const build = async () => `answer ${++builds}`;

    expect((await cache.answer('k', build)).body).toBe('answer 1');
    expect((await cache.answer('k', build)).body).toBe('answer 1');
    stamp = 's2';
    expect((await cache.answer('k', build)).body).toBe('answer 2');
    expect((await cache.answer('other', build)).body).toBe('answer 3');
  });

  it('keeps no answer built across a commit: it may hold data older than the write', async () => {
    let stamp = 's1';
    let builds = 0;
    const cache = new AnswerCache(() => stamp);

    const first = await cache.answer('k', async () => {
      builds++;
      stamp = 's2'; // a write commits while the answer is being built
      return 'built across a write';
    });
    const second = await cache.answer('k', async () => `answer ${++builds}`);

    expect(first.body).toBe('built across a write');
    expect(second.body).toBe('answer 2');
  });

  it('caches nothing without a stamp, nor failures', async () => {
    const uncached = new AnswerCache(() => null);
    let builds = 0;
    await uncached.answer('k', async () => `answer ${++builds}`);
    await uncached.answer('k', async () => `answer ${++builds}`);
    expect(builds).toBe(2);

    const cache = new AnswerCache(() => 's1');
    await expect(
      cache.answer('k', async () => {
        throw new Error('not found');
      }),
    ).rejects.toThrow('not found');
    expect((await cache.answer('k', async () => 'found')).body).toBe('found');
  });

  it('keys every tenant and URL apart, whatever characters they hold', () => {
    const pairs: [string, string][] = [
      ['a', 'b/c'],
      ['ab', '/c'],
      ['', 'ab/c'],
      ['1:a', 'b'],
      ['1', ':ab'],
      ['alpha', '/v1/jobs/x'],
      ['alph', 'a/v1/jobs/x'],
      ['', ''],
      ['10:', ''],
    ];
    const keys = pairs.map(([tenant, url]) => answerKey(tenant, url));
    expect(new Set(keys).size).toBe(pairs.length);
    expect(answerKey('alpha', '/v1/jobs/x')).toBe(answerKey('alpha', '/v1/jobs/x'));
  });

  it('drops its answers once they would exceed its size', async () => {
    const cache = new AnswerCache(() => 's1', 10);
    let builds = 0;
    const build = async () => `${++builds}`.padStart(6, '.');
    await cache.answer('a', build);
    await cache.answer('b', build); // 12 bytes: the cache empties, then keeps b
    expect((await cache.answer('b', build)).body).toBe('.....2');
    expect((await cache.answer('a', build)).body).toBe('.....3');
  });
});

describe('polls answered from the cache', () => {
  let t: TestApp | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  const submit = async (app: TestApp['app'], headers: Record<string, string> = {}) =>
    (
      await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers,
        payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 5 } },
      })
    ).json().id as string;

  it('see a change another connection (another process) commits to the file', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chainrule-cache-'));
    const file = join(dataDir, 'chainrule.db');
    const store = SqliteStore.open(file);
    const app = await buildApp({
      config: loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }),
      store,
      events: new JobEvents(),
      logger: createLogger('silent'),
      dispatcher: { wake: () => undefined, cancel: () => undefined },
      isPoolUsable: () => true,
    });
    t = {
      app,
      close: async () => {
        await app.close();
        await store.close();
      },
    } as TestApp;
    const id = await submit(app);
    const poll = async () => (await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    expect((await poll()).status).toBe('queued');
    expect((await poll()).status).toBe('queued');

    // Another process on the same file claims the job.
    const other = SqliteStore.open(file);
    const claimed = await claimNext(other, { owner: 'other-process' });
    await other.close();
    // A request sent after that commit arrives in a later turn of the event loop than the one
    // running now (see TurnStamp); inject alone would not leave this turn.
    await new Promise((resolve) => setImmediate(resolve));

    expect(claimed.job.id).toBe(id);
    expect(await poll()).toMatchObject({ status: 'running', attempts: 1 });
  });

  it("see this process's own writes at once: a cancel, then the history as it grows", async () => {
    t = await createTestApp();
    const id = await submit(t.app);
    const poll = async (url: string) => (await t!.app.inject({ method: 'GET', url })).json();
    expect((await poll(`/v1/jobs/${id}`)).cancelRequested).toBe(false);
    expect((await poll(`/v1/jobs/${id}/history`)).items).toEqual([]);

    await claimAndRecordEpoch(t.store, id);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });

    expect(await poll(`/v1/jobs/${id}`)).toMatchObject({
      status: 'running',
      cancelRequested: true,
      progress: { epoch: 1 },
      cost: 0.7,
    });
    expect((await poll(`/v1/jobs/${id}/history`)).items).toEqual([
      { epoch: 1, cost: 0.7, gradientNorms: [0.1, 0.2], elapsedMs: 1 },
    ]);
  });

  it('answer 404 for an id that spells the key of another cached answer', async () => {
    t = await createTestApp();
    const id = await submit(t.app);
    const history = await t.app.inject({
      method: 'GET',
      url: `/v1/jobs/${id}/history?after=0&limit=50`,
    });
    expect(history.statusCode).toBe(200);

    for (const spelled of [`${id}\nhistory 0 50`, `${id}","history`]) {
      const url = `/v1/jobs/${encodeURIComponent(spelled)}`;
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('NOT_FOUND');
    }
  });

  it('carry the headers of a built answer and count in the metrics like one', async () => {
    t = await createTestApp();
    const id = await submit(t.app);
    const url = `/v1/jobs/${id}/history?limit=20`;
    const built = await t.app.inject({ method: 'GET', url });
    const cached = await t.app.inject({ method: 'GET', url });

    expect(cached.statusCode).toBe(200);
    expect(cached.body).toBe(built.body);
    const { date: _builtDate, 'x-request-id': _builtId, ...builtHeaders } = built.headers;
    const { date: _cachedDate, 'x-request-id': _cachedId, ...cachedHeaders } = cached.headers;
    expect(cachedHeaders).toEqual(builtHeaders);
    expect(cachedHeaders).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(
      'chainrule_http_request_duration_seconds_count' +
        '{method="GET",route="/v1/jobs/:id/history",status_code="200"} 2',
    );
  });

  it("never hand one tenant's cached answer to another", async () => {
    const alpha = 'alpha-key-0123456789abcdef';
    const beta = 'beta-key-fedcba9876543210';
    t = await createTestApp({ API_KEYS: `alpha:${alpha},beta:${beta}` });
    const id = await submit(t.app, { authorization: `Bearer ${alpha}` });
    const poll = (key: string, url: string) =>
      t!.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

    for (const url of [`/v1/jobs/${id}`, `/v1/jobs/${id}/history`]) {
      expect((await poll(alpha, url)).statusCode).toBe(200);
      expect((await poll(alpha, url)).statusCode).toBe(200);
      const other = await poll(beta, url);
      expect(other.statusCode).toBe(404);
      expect(other.json().code).toBe('NOT_FOUND');
    }
  });
});
