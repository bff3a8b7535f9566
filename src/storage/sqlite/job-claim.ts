import { bufferToFloat64, decodeLayers } from '../codec.js';
import type { ClaimedJob, ClaimOptions } from '../store.js';
import { fromRow } from './job-rows.js';
import type { JobStatements } from './job-statements.js';

/**
 * The body of a claim's immediate transaction: takes over the oldest expired lease, or else the
 * next queued job, and reads everything its worker needs (dataset, newest checkpoint, initial
 * weights) before the commit. Jobs failed on the way, because their runner stopped responding
 * too often, are pushed to `failedNow` for the caller to announce once committed.
 */
export function claimInTransaction(
  statements: JobStatements,
  options: ClaimOptions,
  failedNow: string[],
): ClaimedJob | null {
  for (;;) {
    const expired = statements.nextExpired.get({ now: options.now });
    const candidate = expired ?? nextQueued(statements);
    if (!candidate) return null;

    // An expired lease means the owner died mid-attempt: that attempt counts as a failure.
    if (expired) {
      statements.endAttempt.run({
        id: expired.id,
        attempt: expired.attempts,
        outcome: 'lease_expired',
        endedAt: new Date().toISOString(),
      });
    }
    if (expired && expired.failures + 1 >= options.maxAttempts) {
      statements.failExpired.run({
        id: expired.id,
        attempts: expired.attempts,
        finishedAt: options.startedAt,
        message: `the job's runner stopped responding ${expired.failures + 1} times`,
      });
      failedNow.push(expired.id);
      continue;
    }

    const job = fromRow(
      statements.claim.get({
        id: candidate.id,
        owner: options.owner,
        expires: options.now + options.leaseMs,
        startedAt: options.startedAt,
        failed: expired ? 1 : 0,
      })!,
    );
    statements.startAttempt.run({
      id: job.id,
      attempt: job.attempts,
      owner: options.owner,
      startedAt: new Date().toISOString(),
    });

    // In the claim's transaction: a queued or running job's dataset cannot be deleted.
    const inputs = statements.claimInputs.get({ id: job.id });
    if (!inputs) throw new Error(`dataset ${job.datasetId} of job ${job.id} is missing`);
    return {
      job,
      dataset: {
        inputs: bufferToFloat64(inputs.inputs),
        targets: bufferToFloat64(inputs.targets),
        rows: inputs.rows,
        inputSize: inputs.input_size,
        targetSize: inputs.target_size,
      },
      checkpoint:
        inputs.checkpoint_state && inputs.checkpoint_epoch !== null
          ? { epoch: inputs.checkpoint_epoch, state: new Uint8Array(inputs.checkpoint_state) }
          : null,
      initialModel: inputs.initial_model ? decodeLayers(inputs.initial_model) : null,
    };
  }
}

/**
 * The queued job to run next. Fair ordering only matters between tenants: with one tenant
 * queued, its oldest job is next, found without the fair query's grouping, a third of the cost
 * of a claim.
 */
function nextQueued(statements: JobStatements): { id: string } | undefined {
  const oldest = statements.oldestQueued.get();
  if (!oldest) return undefined;
  if (!statements.otherTenantQueued.get({ tenant: oldest.tenant })) return oldest;
  return statements.nextQueued.get();
}
