import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobEventHub, type JobEventHubOptions } from '../../../src/api/events/job-event-hub.js';
import { createLogger } from '../../../src/logger.js';
import { JobEvents } from '../../../src/queue/job-events.js';
import { SqliteStore } from '../../../src/storage/sqlite/sqlite-store.js';
import type { HistoryItem, JobRecord } from '../../../src/storage/records.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../../support/app.js';
import { claimNext, enqueueXor } from '../../support/run-by-hand.js';

/**
 * The hub against the real store and the real job-event emitter, driven the way the
 * dispatcher drives them: epochs are announced first and written later, in batches.
 */

let t: TestApp;
let hub: JobEventHub;
const logger = createLogger('silent');

beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await hub?.close();
  await t.close();
});

function openHub(options: Partial<JobEventHubOptions> = {}): JobEventHub {
  hub = new JobEventHub({ store: t.store, events: t.events, logger, ...options });
  return hub;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_value, index) => from + index);
const item = (epoch: number): HistoryItem => ({
  epoch,
  cost: 1 / epoch,
  gradientNorms: [0.5, 0.25],
  elapsedMs: epoch,
});

async function runningJob(): Promise<JobRecord> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 100_000 } },
  });
  expect(response.statusCode).toBe(202);
  const claimed = await t.store.jobs.claimNext({
    owner: 'test',
    now: Date.now(),
    leaseMs: 60_000,
    maxAttempts: 3,
    startedAt: new Date().toISOString(),
  });
  return claimed!.job;
}

/** What the dispatcher does when a worker reports: announce at once. */
function announce(job: JobRecord, from: number, to: number): void {
  t.events.emit('epochs', job.id, range(from, to).map(item));
}

/** What the dispatcher does when a batch is committed. */
async function record(job: JobRecord, from: number, to: number): Promise<void> {
  await t.store.jobs.recordProgress(job.id, job.attempts, {
    items: range(from, to).map(item),
    epoch: to,
    cost: 1 / to,
    validationCost: null,
    bestEpoch: null,
    checkpoint: null,
  });
  t.events.emit('recorded', job.id, to);
}

async function finish(job: JobRecord, lastEpoch: number): Promise<void> {
  await t.store.jobs.finish(job.id, job.attempts, {
    status: 'succeeded',
    stopReason: 'epochs',
    error: null,
    model: null,
    lastEpoch,
    bestEpoch: null,
    finishedAt: new Date().toISOString(),
  });
  t.events.emit('status', (await t.store.jobs.getById(job.id))!);
}

/** Reads a stream as a client would, and parses what it got. */
function consume(readable: Readable) {
  let text = '';
  readable.setEncoding('utf8');
  readable.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => readable.once('end', resolve));
  return {
    ended,
    get text() {
      return text;
    },
    epochs: () => [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1])),
    kinds: () => [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]),
  };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !predicate(); waited += 5) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('JobEventHub', () => {
  it('joins between epochs being announced and written, without a gap or a repeat', async () => {
    const job = await runningJob();
    openHub();
    await record(job, 1, 5);
    announce(job, 6, 10); // announced before the stream opens, written after

    const client = consume(hub.open(job, 0, logger));
    await until(() => client.epochs().length === 5, 'the stored epochs');
    announce(job, 11, 12);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.epochs()).toEqual(range(1, 5)); // 11 and 12 wait: 6 to 10 come first

    await record(job, 6, 12);
    await until(() => client.epochs().length === 12, 'the batch once written');
    announce(job, 13, 14);
    await until(() => client.epochs().length === 14, 'the live epochs');
    await record(job, 13, 14);
    await finish(job, 14);
    await client.ended;

    expect(client.epochs()).toEqual(range(1, 14));
    expect(client.kinds()).toEqual(['status', ...range(1, 14).map(() => 'epoch'), 'status', 'end']);
    expect(client.text).toContain('event: end\ndata: {"status":"succeeded","epoch":14}\n\n');
  });

  it('sends live epochs to a caught-up stream before they are written', async () => {
    const job = await runningJob();
    openHub();
    const client = consume(hub.open(job, 0, logger));

    announce(job, 1, 3);

    await until(() => client.epochs().length === 3, 'the live epochs');
    expect(await t.store.jobs.history(job.id, 0, 10)).toEqual([]);
  });

  it('holds a bounded buffer for a stalled client, then catches up from the database', async () => {
    const job = await runningJob();
    openHub();
    const readable = hub.open(job, 0, logger);

    for (let from = 1; from <= 20_000; from += 500) {
      announce(job, from, from + 499);
      await record(job, from, from + 499);
    }

    // 20,000 epochs are about 1.7 MB of frames; the stream holds its 64 KiB bound plus one frame.
    expect(readable.readableLength).toBeGreaterThan(32 * 1024);
    expect(readable.readableLength).toBeLessThanOrEqual(64 * 1024 + 200);

    const client = consume(readable);
    await until(() => client.epochs().length === 20_000, 'the catch-up');
    await finish(job, 20_000);
    await client.ended;
    expect(client.epochs()).toEqual(range(1, 20_000));
  });

  it('disconnects a client that has not read for the stall timeout', async () => {
    const job = await runningJob();
    openHub({ stallTimeoutMs: 30, pollMs: 10 });
    const readable = hub.open(job, 0, logger);
    for (let from = 1; from <= 2000; from += 500) {
      announce(job, from, from + 499);
      await record(job, from, from + 499);
    }
    expect(hub.streamCount).toBe(1);

    await until(() => readable.destroyed, 'the disconnect');
    expect(hub.streamCount).toBe(0);
    expect(hub.watchedJobCount).toBe(0);
  });

  it('sends a heartbeat comment on a quiet stream', async () => {
    const job = await runningJob();
    openHub({ heartbeatMs: 10 });
    const client = consume(hub.open(job, 0, logger));

    await until(() => client.text.includes(': heartbeat\n\n'), 'a heartbeat');
  });

  it("shares one feed among a job's streams: no listener or database read per client", async () => {
    const job = await runningJob();
    openHub({ pollMs: 20 });
    await record(job, 1, 10);
    const listeners = t.events.listenerCount('epochs');
    const looks = vi.spyOn(hub as unknown as { readBackFeeds(): void }, 'readBackFeeds');
    const getById = vi.spyOn(t.store.jobs, 'getById');
    const history = vi.spyOn(t.store.jobs, 'history');

    const clients = Array.from({ length: 100 }, () => consume(hub.open(job, 0, logger)));
    await until(() => clients.every((client) => client.epochs().length === 10), 'the replay');
    const replayReads = history.mock.calls.length;
    announce(job, 11, 20);
    await until(() => clients.every((client) => client.epochs().length === 20), 'the live epochs');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(t.events.listenerCount('epochs')).toBe(listeners);
    expect(hub.watchedJobCount).toBe(1);
    expect(history.mock.calls.length).toBe(replayReads); // live epochs came from memory
    // One read of the job per look (a poll, or a commit seen) for all 100 clients, not per client.
    expect(looks.mock.calls.length).toBeGreaterThan(0);
    expect(getById.mock.calls.length).toBeGreaterThan(0);
    expect(getById.mock.calls.length).toBeLessThanOrEqual(looks.mock.calls.length);
    for (const client of clients) expect(client.epochs()).toEqual(range(1, 20));
  });

  it('learns from its poll of a change that no event announced, and ends the stream', async () => {
    const job = await runningJob();
    openHub({ pollMs: 10 });
    await record(job, 1, 3);
    const client = consume(hub.open(job, 0, logger));

    // A lease expiry failing the job on another process: the database changes, no event here.
    await t.store.jobs.release(job.id, job.attempts, {
      countFailure: true,
      maxAttempts: 1,
      checkpoint: null,
      failure: { code: 'WORKER_CRASHED', message: 'gone' },
      finishedAt: new Date().toISOString(),
    });
    await client.ended;

    expect(client.epochs()).toEqual([1, 2, 3]);
    expect(client.text).toContain('"status":"failed"');
    expect(client.kinds().slice(-2)).toEqual(['status', 'end']);
  });

  it('sends one status event for a change both announced and polled', async () => {
    const job = await runningJob();
    openHub({ pollMs: 5 });
    const client = consume(hub.open(job, 0, logger));
    // Flags the job; no event while it runs.
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const after = (await t.store.jobs.getById(job.id))!;
    t.events.emit('status', after); // the same state, announced late
    await new Promise((resolve) => setTimeout(resolve, 20));

    const statuses = [...client.text.matchAll(/^event: status\ndata: (.*)$/gm)].map((match) =>
      JSON.parse(match[1]),
    );
    expect(statuses.map((status) => [status.status, status.cancelRequested])).toEqual([
      ['running', false],
      ['running', true],
    ]);
  });

  it('follows a job another process on the same SQLite file trains, within a moment', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-hub-'));
    const file = join(dataDir, 'chainrule.db');
    const here = SqliteStore.open(file);
    const there = SqliteStore.open(file);
    try {
      const submitted = await enqueueXor(there);
      const claimed = (await claimNext(there, { owner: 'other-process' })).job;
      // Nothing of the other process is announced here, and the slow poll never comes.
      hub = new JobEventHub({ store: here, events: new JobEvents(), logger, pollMs: 3_600_000 });
      const client = consume(hub.open((await here.jobs.getById(submitted.id))!, 0, logger));

      await there.jobs.recordProgress(claimed.id, claimed.attempts, {
        items: range(1, 3).map(item),
        epoch: 3,
        cost: 1 / 3,
        validationCost: null,
        bestEpoch: null,
        checkpoint: null,
      });
      const recordedAt = Date.now();
      await until(() => client.epochs().length === 3, 'the epochs of the other process');
      expect(Date.now() - recordedAt).toBeLessThan(1000);

      await there.jobs.finish(claimed.id, claimed.attempts, {
        status: 'succeeded',
        stopReason: 'epochs',
        error: null,
        model: null,
        lastEpoch: 3,
        bestEpoch: null,
        finishedAt: new Date().toISOString(),
      });
      await client.ended;
      expect(client.epochs()).toEqual([1, 2, 3]);
      expect(client.kinds().slice(-2)).toEqual(['status', 'end']);
    } finally {
      await hub.close();
      await here.close();
      await there.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('ends every stream when it closes, for the server to stop', async () => {
    const job = await runningJob();
    openHub();
    const clients = [consume(hub.open(job, 0, logger)), consume(hub.open(job, 0, logger))];

    await hub.close();

    await Promise.all(clients.map((client) => client.ended));
    expect(hub.streamCount).toBe(0);
  });
});
