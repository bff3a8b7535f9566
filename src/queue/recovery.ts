import type { Logger } from '../logger.js';
import type { Store } from '../storage/store.js';
import type { JobEvents } from './job-events.js';
import { isDeadLocalOwner, type OwnerIdentity } from './owner.js';

/**
 * At start: jobs left `running` by a process that is gone go back to the queue (the lost attempt
 * counts as a failure) and resume from their newest checkpoint. Gone means a dead process on
 * this host, or an expired lease; a live process elsewhere keeps its jobs. Each recovered job is
 * announced on `events` (the metrics time the ones that failed for good).
 */
export async function recoverOrphanedJobs(
  store: Store,
  owner: OwnerIdentity,
  options: { now: number; maxAttempts: number; logger: Logger; events: JobEvents },
): Promise<string[]> {
  const recovered: string[] = [];
  for (const lease of await store.jobs.runningLeases()) {
    const orphaned =
      lease.leaseOwner === null ||
      isDeadLocalOwner(lease.leaseOwner, owner) ||
      (lease.leaseExpiresAt ?? 0) < options.now;
    if (!orphaned) continue;

    const status = await store.jobs.release(lease.id, lease.attempts, {
      countFailure: true,
      maxAttempts: options.maxAttempts,
      checkpoint: null,
      failure: {
        code: 'WORKER_CRASHED',
        message: 'the process training the job stopped too many times',
      },
      finishedAt: new Date().toISOString(),
    });
    if (status) {
      recovered.push(lease.id);
      options.logger.warn(
        { jobId: lease.id, attempt: lease.attempts, status },
        'recovered a job from a stopped process',
      );
      const job = await store.jobs.getById(lease.id);
      if (job) options.events.emit('status', job);
    }
  }
  return recovered;
}
