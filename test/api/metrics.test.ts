import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { slowXorJob, startLiveService, type LiveService } from '../support/live-service.js';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { claimNext, enqueueXor } from '../support/run-by-hand.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function testApp(): Promise<TestApp> {
  const t = await createTestApp();
  opened.push(t);
  return t;
}

async function scrape(t: TestApp) {
  const response = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return parsePrometheusText(response.body);
}

describe('GET /metrics', () => {
  it('serves Prometheus text that parses, every family declared with its type', async () => {
    const t = await testApp();
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });

    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(response.body);
    const types = Object.fromEntries(
      [...families.values()].map((family) => [family.name, family.type]),
    );
    expect(types).toMatchObject({
      chainrule_jobs: 'gauge',
      chainrule_queue_depth: 'gauge',
      chainrule_epochs_trained_total: 'counter',
      chainrule_job_duration_seconds: 'histogram',
      chainrule_http_request_duration_seconds: 'histogram',
      chainrule_event_streams: 'gauge',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    expect(
      families
        .get('chainrule_jobs')!
        .samples.map((sample) => sample.labels.status)
        .sort(),
    ).toEqual(['cancelled', 'failed', 'queued', 'running', 'succeeded']);
  });

  it('counts jobs per status and the queue depth from the database', async () => {
    const t = await testApp();
    for (let i = 0; i < 2; i++) {
      await t.app.inject({
        method: 'POST',
        url: '/v1/jobs',
        payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 10 } },
      });
    }

    const families = await scrape(t);
    expect(sampleValue(families, 'chainrule_jobs', { status: 'queued' })).toBe(2);
    expect(sampleValue(families, 'chainrule_queue_depth')).toBe(2);
  });

  it('labels requests by route pattern and status, never by the raw URL', async () => {
    const t = await testApp();
    await t.app.inject({ method: 'GET', url: '/v1/jobs/job_secretlookingid00000' });
    await t.app.inject({ method: 'GET', url: '/no/such/thing/42' });

    const families = await scrape(t);
    const count = (labels: Record<string, string>) =>
      sampleValue(families, 'chainrule_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/v1/jobs/:id', status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '(unmatched)', status_code: '404' })).toBe(1);
    const routes = families
      .get('chainrule_http_request_duration_seconds')!
      .samples.map((sample) => sample.labels.route);
    expect(routes.some((route) => route.includes('secretlooking') || route.includes('42'))).toBe(
      false,
    );
  });

  it('keeps the counts of two apps in one process apart', async () => {
    const first = await testApp();
    const second = await testApp();

    first.events.emit('epochs', 'job_x', [
      { epoch: 1, cost: 1, gradientNorms: [], elapsedMs: 1 },
      { epoch: 2, cost: 1, gradientNorms: [], elapsedMs: 2 },
    ]);

    expect(sampleValue(await scrape(first), 'chainrule_epochs_trained_total')).toBe(2);
    expect(sampleValue(await scrape(second), 'chainrule_epochs_trained_total')).toBe(0);
  });
});

describe('GET /metrics (real server, real workers)', () => {
  let live: LiveService | undefined;
  afterEach(async () => {
    await live?.stop();
  });

  async function scrapeLive() {
    const response = await fetch(`${live!.url}/metrics`);
    return parsePrometheusText(await response.text());
  }

  it('moves when jobs run: epochs, statuses, durations, busy workers, requests', async () => {
    live = await startLiveService({ WORKERS: '1' });
    const before = await scrapeLive();
    expect(sampleValue(before, 'chainrule_workers', { state: 'idle' })).toBe(1);
    expect(sampleValue(before, 'chainrule_workers', { state: 'busy' })).toBe(0);

    const long = await live.call<{ id: string }>('POST', '/v1/jobs', slowXorJob(1_000_000));
    await live.waitForJob(long.id, (job) => job.status === 'running');
    const during = await scrapeLive();
    expect(sampleValue(during, 'chainrule_workers', { state: 'busy' })).toBe(1);
    expect(sampleValue(during, 'chainrule_workers', { state: 'idle' })).toBe(0);
    expect(sampleValue(during, 'chainrule_jobs', { status: 'running' })).toBe(1);
    await live.call('POST', `/v1/jobs/${long.id}/cancel`);
    const cancelled = await live.waitForJob(long.id, (job) => job.status === 'cancelled');

    const short = await live.call<{ id: string }>('POST', '/v1/jobs', slowXorJob(25));
    await live.waitForJob(short.id, (job) => job.status === 'succeeded');
    const after = await scrapeLive();

    expect(sampleValue(after, 'chainrule_epochs_trained_total')).toBe(
      cancelled.progress.epoch + 25,
    );
    expect(sampleValue(after, 'chainrule_jobs', { status: 'succeeded' })).toBe(1);
    expect(sampleValue(after, 'chainrule_jobs', { status: 'cancelled' })).toBe(1);
    expect(sampleValue(after, 'chainrule_queue_depth')).toBe(0);
    expect(
      sampleValue(after, 'chainrule_job_duration_seconds_count', { status: 'succeeded' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'chainrule_job_duration_seconds_count', { status: 'cancelled' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'chainrule_job_duration_seconds_sum', { status: 'succeeded' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(after, 'chainrule_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/jobs',
        status_code: '202',
      }),
    ).toBe(2);
    expect(sampleValue(after, 'chainrule_workers', { state: 'idle' })).toBe(1);
  });

  it('times a job failed because the process running it stopped renewing its lease', async () => {
    live = await startLiveService({ WORKERS: '1', MAX_ATTEMPTS: '1' });
    // Another process on the same file submits a job, claims it and dies: its lease ran out a
    // minute ago. SQLite answers at once, so no timer of the service (its look for work) runs
    // between the two: the service cannot claim the job first.
    const ghost = SqliteStore.open((live.service.store as SqliteStore).db.name);
    const job = await enqueueXor(ghost);
    const claimed = await claimNext(ghost, {
      owner: 'ghost-process',
      at: Date.now() - 60_000,
      leaseMs: 1_000,
    });
    expect(claimed.job.id).toBe(job.id);
    await ghost.close();

    // The service's next look for work finds the expired lease: with one attempt allowed, the
    // job fails, and its minute is timed like any job's.
    await live.waitForJob(job.id, (view) => view.status === 'failed', 10_000);
    await expect
      .poll(async () =>
        sampleValue(await scrapeLive(), 'chainrule_job_duration_seconds_count', {
          status: 'failed',
        }),
      )
      .toBe(1);
    expect(
      sampleValue(await scrapeLive(), 'chainrule_job_duration_seconds_sum', { status: 'failed' }),
    ).toBeGreaterThanOrEqual(59);
  });
});
