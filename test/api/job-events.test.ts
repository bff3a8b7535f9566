import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { slowXorJob, startLiveService, type LiveService } from '../support/live-service.js';
import { SseClient } from '../support/sse-client.js';

/** 1..n */
const range = (n: number) => Array.from({ length: n }, (_value, index) => index + 1);

let live: LiveService;
beforeAll(async () => {
  live = await startLiveService({ WORKERS: '1' });
});
afterAll(async () => {
  await live.stop();
});

async function submit(epochs: number): Promise<string> {
  const job = await live.call<{ id: string }>('POST', '/v1/jobs', slowXorJob(epochs));
  return job.id;
}

function parsed(client: SseClient, event: string): Record<string, unknown>[] {
  return client.events.filter((item) => item.event === event).map((item) => JSON.parse(item.data));
}

describe('GET /v1/jobs/{id}/events (real server, real workers)', () => {
  it('gives a mid-run client every epoch once, in order, and then the terminal event', async () => {
    const id = await submit(1_000_000);
    await live.waitForJob(id, (job) => job.status === 'running' && job.progress.epoch >= 20);

    const client = await SseClient.open(`${live.url}/v1/jobs/${id}/events`);
    expect(client.statusCode).toBe(200);
    expect(client.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.waitFor((c) => c.epochs().length >= 100);
    await live.call('POST', `/v1/jobs/${id}/cancel`);
    await client.ended;

    const final = await live.waitForJob(id, (job) => job.status === 'cancelled');
    expect(client.epochs()).toEqual(range(final.progress.epoch));
    const kinds = client.events.map((event) => event.event);
    expect(kinds[0]).toBe('status');
    expect(parsed(client, 'status')[0]).toMatchObject({ id, status: 'running' });
    expect(kinds.slice(-2)).toEqual(['status', 'end']);
    expect(parsed(client, 'status').at(-1)).toMatchObject({
      id,
      status: 'cancelled',
      stopReason: 'cancelled',
    });
    expect(parsed(client, 'end')).toEqual([{ status: 'cancelled', epoch: final.progress.epoch }]);
    const first = parsed(client, 'epoch')[0];
    expect(first).toMatchObject({
      epoch: 1,
      cost: expect.any(Number),
      gradientNorms: [expect.any(Number), expect.any(Number), expect.any(Number)],
    });
  });

  it('resumes after Last-Event-ID on a reconnect, without a gap or a repeat', async () => {
    const id = await submit(1_000_000);
    const first = await SseClient.open(`${live.url}/v1/jobs/${id}/events?after=0`);
    await first.waitFor((c) => c.epochs().length >= 50);
    first.close();
    await first.ended;
    const lastSeen = first.epochs().at(-1)!;

    // EventSource reconnects to its first URL (?after=0 here) and adds the header: it wins.
    const second = await SseClient.open(`${live.url}/v1/jobs/${id}/events?after=0`, {
      'last-event-id': String(lastSeen),
    });
    await second.waitFor((c) => c.epochs().length >= 50);
    await live.call('POST', `/v1/jobs/${id}/cancel`);
    await second.ended;

    const final = await live.waitForJob(id, (job) => job.status === 'cancelled');
    expect(second.epochs()[0]).toBe(lastSeen + 1);
    expect([...first.epochs(), ...second.epochs()]).toEqual(range(final.progress.epoch));
    expect(second.events.at(-1)?.event).toBe('end');
  });

  it('follows a queued job through running to succeeded', async () => {
    const blocker = await submit(1_000_000);
    await live.waitForJob(blocker, (job) => job.status === 'running');
    const id = await submit(40);

    const client = await SseClient.open(`${live.url}/v1/jobs/${id}/events`);
    await client.waitFor((c) => c.events.length >= 1);
    await live.call('POST', `/v1/jobs/${blocker}/cancel`);
    await client.ended;

    expect(parsed(client, 'status').map((job) => job.status)).toEqual([
      'queued',
      'running',
      'succeeded',
    ]);
    expect(client.epochs()).toEqual(range(40));
    expect(parsed(client, 'end')).toEqual([{ status: 'succeeded', epoch: 40 }]);
  });

  it('replays a finished job from ?after= and ends at once', async () => {
    const id = await submit(30);
    await live.waitForJob(id, (job) => job.status === 'succeeded');

    const client = await SseClient.open(`${live.url}/v1/jobs/${id}/events?after=25`);
    await client.ended;

    expect(client.epochs()).toEqual([26, 27, 28, 29, 30]);
    expect(client.events.map((event) => event.event)).toEqual([
      'epoch',
      'epoch',
      'epoch',
      'epoch',
      'epoch',
      'status',
      'end',
    ]);
  });

  it('ends open streams when the server stops, so stopping does not wait for them', async () => {
    const other = await startLiveService({ WORKERS: '1' });
    const { id } = await other.call<{ id: string }>('POST', '/v1/jobs', slowXorJob(1_000_000));
    const client = await SseClient.open(`${other.url}/v1/jobs/${id}/events`);
    await client.waitFor((c) => c.epochs().length >= 5);

    await other.stop();
    await client.ended;

    // The stream ended cleanly where it was: the client resumes elsewhere with Last-Event-ID.
    const epochs = client.epochs();
    expect(epochs).toEqual(range(epochs.length));
    expect(client.events.some((event) => event.event === 'end')).toBe(false);
  });
});

describe('GET /v1/jobs/{id}/events (the server process)', () => {
  it('stops on SIGTERM with a stream open: the stream ends and the exit is clean', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chainrule-sigterm-'));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, WORKERS: '1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    try {
      let url = '';
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'chainrule started') {
          url = entry.url!;
          break;
        }
      }
      child.stdout!.resume();
      const submitted = await fetch(`${url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(slowXorJob(1_000_000)),
      });
      const { id } = (await submitted.json()) as { id: string };
      const client = await SseClient.open(`${url}/v1/jobs/${id}/events`);
      await client.waitFor((c) => c.epochs().length >= 5);

      child.kill('SIGTERM');

      expect(await exited).toBe(0);
      await client.ended;
      expect(client.epochs()).toEqual(range(client.epochs().length));
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('GET /v1/jobs/{id}/events (validation)', () => {
  it('answers 404 problem+json for a job that does not exist', async () => {
    const t = await createTestApp();
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/jobs/job_doesnotexist0000000/events',
    });
    await t.close();

    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a Last-Event-ID that is not an epoch number, naming the header', async () => {
    const t = await createTestApp();
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/jobs/job_doesnotexist0000000/events',
      headers: { 'last-event-id': 'abc' },
    });
    await t.close();

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'last-event-id', message: expect.stringContaining('epoch number') }],
    });
  });

  it('refuses a negative ?after= with 400', async () => {
    const t = await createTestApp();
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/jobs/job_doesnotexist0000000/events?after=-1',
    });
    await t.close();

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'after' }],
    });
  });
});
