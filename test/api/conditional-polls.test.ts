import { afterEach, describe, expect, it } from 'vitest';
import { matchesEntityTag } from '../../src/api/answer-cache.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { claimAndRecordEpoch } from '../support/run-by-hand.js';

describe('If-None-Match against an entity tag', () => {
  const etag = '"abc"';

  it('matches the same tag, weak or strong, alone or in a list, and *', () => {
    expect(matchesEntityTag('"abc"', etag)).toBe(true);
    expect(matchesEntityTag('W/"abc"', etag)).toBe(true);
    expect(matchesEntityTag('"x", W/"abc" ,"y"', etag)).toBe(true);
    expect(matchesEntityTag(' * ', etag)).toBe(true);
  });

  it('matches nothing else: another tag, an unquoted value, no header', () => {
    expect(matchesEntityTag('"abd"', etag)).toBe(false);
    expect(matchesEntityTag('abc', etag)).toBe(false);
    expect(matchesEntityTag('"x", "y"', etag)).toBe(false);
    expect(matchesEntityTag('', etag)).toBe(false);
    expect(matchesEntityTag(undefined, etag)).toBe(false);
  });
});

describe('polls of a job and of its history', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function submitted(): Promise<string> {
    t = await createTestApp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 5 } },
    });
    return response.json().id;
  }

  const poll = (url: string, ifNoneMatch?: string) =>
    t!.app.inject({
      method: 'GET',
      url,
      headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch },
    });

  it('carry an ETag, and answer 304 without a body to a client holding that answer', async () => {
    const id = await submitted();
    for (const url of [`/v1/jobs/${id}`, `/v1/jobs/${id}/history`]) {
      const first = await poll(url);
      expect(first.statusCode).toBe(200);
      expect(first.headers.etag).toMatch(/^"[\w-]{27}"$/);
      expect(first.headers['cache-control']).toBe('no-cache');

      // Built afresh (the first poll) and from the cache (the second), the same tag.
      for (let round = 0; round < 2; round++) {
        const again = await poll(url, first.headers.etag as string);
        expect(again.statusCode).toBe(304);
        expect(again.body).toBe('');
        expect(again.headers.etag).toBe(first.headers.etag);
      }
      expect((await poll(url, '"another-answer"')).statusCode).toBe(200);
    }
  });

  it('answer 200 with a new ETag once the job or its history changed', async () => {
    const id = await submitted();
    const job = await poll(`/v1/jobs/${id}`);
    const history = await poll(`/v1/jobs/${id}/history`);

    await claimAndRecordEpoch(t!.store, id);

    const jobNow = await poll(`/v1/jobs/${id}`, job.headers.etag as string);
    expect(jobNow.statusCode).toBe(200);
    expect(jobNow.json()).toMatchObject({ status: 'running', progress: { epoch: 1 } });
    expect(jobNow.headers.etag).not.toBe(job.headers.etag);

    const historyNow = await poll(`/v1/jobs/${id}/history`, history.headers.etag as string);
    expect(historyNow.statusCode).toBe(200);
    expect(historyNow.json().items).toHaveLength(1);
    expect(historyNow.headers.etag).not.toBe(history.headers.etag);
  });

  it('keep the tag of an unchanged answer across writes to other jobs', async () => {
    const id = await submitted();
    const job = await poll(`/v1/jobs/${id}`);
    await t!.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 7 } },
    });

    expect((await poll(`/v1/jobs/${id}`, job.headers.etag as string)).statusCode).toBe(304);
  });

  it('answer 404, not 304, for an unknown job whatever the client holds', async () => {
    await submitted();
    const response = await poll('/v1/jobs/job_unknown', '*');
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('NOT_FOUND');
  });
});
