import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { spawnServer } from '../support/process.js';
import {
  httpClient,
  longJob,
  pollUntil,
  readWholeHistory,
  startRealService,
  temporaryDataDir,
} from '../support/server.js';

describe('node --import tsx src/server.ts', () => {
  it('stops on SIGTERM: refuses new requests, requeues the running job, exits 0', async () => {
    const dataDir = temporaryDataDir();
    const server = spawnServer({ PORT: '0', DATA_DIR: dataDir, WORKERS: '1', LOG_LEVEL: 'info' });
    const started = await server.waitForLog((line) => line.msg === 'chainrule started');
    const api = httpClient(started.url as string);
    const jobId = (await api.post('/v1/jobs', longJob())).body.id;
    await pollUntil(
      async () => (await api.get(`/v1/jobs/${jobId}`)).body,
      (job) => job.status === 'running' && job.progress.epoch > 0,
      'the job to run',
    );

    server.child.kill('SIGTERM');
    await server.waitForLog((line) => line.msg === 'no longer accepting requests');
    const late = await api.post('/v1/jobs', longJob()).then(
      (answer) => answer.status,
      () => 'refused',
    );

    expect(await server.exited).toBe(0);
    expect(late === 'refused' || late === 503).toBe(true);
    expect(server.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['stopping', 'job suspended and requeued', 'chainrule stopped']),
    );

    const store = SqliteStore.open(join(dataDir, 'chainrule.db'));
    const job = await store.jobs.getById(jobId);
    const checkpoint = await store.jobs.latestCheckpoint(jobId);
    const jobs = await store.jobs.list('default', { limit: 10 });
    await store.close();
    expect(job).toMatchObject({ status: 'queued', attempts: 1, failures: 0, leaseOwner: null });
    expect(checkpoint!.epoch).toBeGreaterThan(0);
    expect(checkpoint!.epoch).toBe(job!.epoch);
    expect(jobs.items).toHaveLength(1);

    // Started again on the same DATA_DIR, the job trains on from its checkpoint.
    const service = await startRealService(dataDir, { WORKERS: '1' });
    try {
      const restarted = httpClient(service.url);
      await pollUntil(
        async () => (await restarted.get(`/v1/jobs/${jobId}`)).body,
        (resumed) => resumed.status === 'running' && resumed.progress.epoch > checkpoint!.epoch,
        'the job to resume',
      );
      await restarted.post(`/v1/jobs/${jobId}/cancel`);
      const ended = await pollUntil(
        async () => (await restarted.get(`/v1/jobs/${jobId}`)).body,
        (resumed) => resumed.status === 'cancelled',
        'the job to be cancelled',
      );
      const history = await readWholeHistory(restarted, jobId);

      expect(ended.attempts).toBe(2);
      expect(history.map((item) => item.epoch)).toEqual(
        Array.from({ length: ended.progress.epoch }, (_, index) => index + 1),
      );
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    ['WORKERS', 'abc', 'WORKERS must be a whole number (got "abc")'],
    ['PORT', '70000', 'PORT must be between 0 and 65535 (got "70000")'],
    [
      'LOG_LEVEL',
      'loud',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    ['BODY_LIMIT_MB', '-1', 'BODY_LIMIT_MB must be a positive number (got "-1")'],
  ])(
    'refuses to start with an invalid %s, in one line naming it, exit code 1',
    async (variable, value, expected) => {
      const dataDir = temporaryDataDir();
      const server = spawnServer({ PORT: '0', DATA_DIR: dataDir, [variable]: value });

      const code = await server.exited;

      rmSync(dataDir, { recursive: true, force: true });
      expect(code).toBe(1);
      const lines = server.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^chainrule: invalid configuration: /);
      expect(lines[0]).toContain(expected);
      expect(server.logs).toEqual([]);
    },
  );
});
