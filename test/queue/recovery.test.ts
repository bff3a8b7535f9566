import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { claimNext } from '../support/run-by-hand.js';
import { createLogger } from '../../src/logger.js';
import { currentOwner } from '../../src/queue/owner.js';
import { recoverOrphanedJobs } from '../../src/queue/recovery.js';
import type { JobRecord } from '../../src/storage/records.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

/** A job claimed by a process whose lease ran out a minute ago. */
async function orphanedJob(): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: 10 } },
  });
  const claimed = await claimNext(t.store, {
    owner: 'gone-process',
    at: Date.now() - 60_000,
    leaseMs: 1_000,
  });
  expect(claimed.job.id).toBe(response.json().id);
  return claimed.job.id;
}

describe('recovery of jobs left running by a stopped process', () => {
  it.each([
    [3, 'queued'],
    [1, 'failed'],
  ] as const)(
    'with %i attempts allowed, puts the job in %s and announces it',
    async (maxAttempts, status) => {
      const id = await orphanedJob();
      const announced: JobRecord[] = [];
      t.events.on('status', (job) => announced.push(job));

      const recovered = await recoverOrphanedJobs(t.store, currentOwner(), {
        now: Date.now(),
        maxAttempts,
        logger: createLogger('silent'),
        events: t.events,
      });

      expect(recovered).toEqual([id]);
      expect(announced.map((job) => [job.id, job.status])).toEqual([[id, status]]);
      expect((await t.store.jobs.getById(id))!.status).toBe(status);
    },
  );
});
