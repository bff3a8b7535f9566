import type { AttemptOutcome, HistoryItem, StoredCheckpoint } from '../records.js';
import type { JobOutcome, NewJob } from '../store.js';
import { encodeLayers } from '../codec.js';
import type { Transaction } from './database.js';
import {
  historyColumns,
  JOB_COLUMNS,
  LEASE_COLUMNS,
  type JobRow,
  type LeaseRow,
} from './job-rows.js';

/** The advisory lock that makes the queue-limit check and the insert one step: ('CHNR', 2). */
const ENQUEUE_LOCK = [0x43484e52, 2] as const;

export async function insertJob(tx: Transaction, job: NewJob): Promise<JobRow> {
  const [row] = await tx.query<JobRow>(
    `INSERT INTO jobs (id, tenant, status, network, network_id, dataset_id, training, initial_model,
       epochs, created_at)
     VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${JOB_COLUMNS}`,
    [
      job.id,
      job.tenant,
      JSON.stringify(job.network),
      job.networkId,
      job.datasetId,
      JSON.stringify(job.training),
      job.initialModel ? encodeLayers(job.initialModel) : null,
      job.training.epochs,
      job.createdAt,
    ],
  );
  return row;
}

/**
 * Jobs waiting in the queue, counted under a transaction-scoped lock that submits on every
 * replica share: two submits can never both see room for one more job.
 */
export async function countQueuedForEnqueue(tx: Transaction): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [...ENQUEUE_LOCK]);
  const [{ count }] = await tx.query<{ count: number }>(
    `SELECT count(*) AS count FROM jobs WHERE status = 'queued'`,
  );
  return count;
}

/** Queued and running jobs of one tenant, under the same enqueue lock. */
export async function countTenantActive(tx: Transaction, tenant: string): Promise<number> {
  const [{ count }] = await tx.query<{ count: number }>(
    `SELECT count(*) AS count FROM jobs WHERE tenant = $1 AND status IN ('queued', 'running')`,
    [tenant],
  );
  return count;
}

/**
 * The oldest running job whose lease ran out (its owner is presumed dead), locked for us.
 *
 * Known shortcoming: leases are times of the replicas' own clocks (`now` is the claimer's, the
 * expiry the owner's). A replica whose clock runs ahead by more than LEASE_SECONDS takes jobs
 * over early: the live owner is then fenced out and that attempt's work since its checkpoint is
 * lost and redone. Keeping clocks in sync (NTP) avoids it; leases in the database's clock would
 * remove it, at the cost of changing the Store interface the SQLite backend shares.
 */
export async function lockNextExpired(tx: Transaction, now: number) {
  const [row] = await tx.query<{ id: string; attempts: number; failures: number }>(
    `SELECT id, attempts, failures FROM jobs
      WHERE status = 'running' AND lease_expires_at < $1
      ORDER BY seq LIMIT 1
        FOR UPDATE SKIP LOCKED`,
    [now],
  );
  return row ?? null;
}

/**
 * The next queued job, fairly across tenants, as in SQLite: each tenant's oldest queued job
 * competes; the tenant with the fewest running jobs wins, then the one served longest ago
 * (round robin), then submission order. Rows that
 * a concurrent claim on another replica holds are skipped, not waited for; a tenant's later jobs
 * are candidates only when every tenant's oldest job is being claimed, so replicas claiming at
 * once still spread over tenants the way one claimer after another would.
 */
export async function lockNextQueued(tx: Transaction): Promise<string | null> {
  const [row] = await tx.query<{ id: string }>(
    `WITH heads AS (SELECT tenant, min(seq) AS seq FROM jobs
                      WHERE status = 'queued' GROUP BY tenant),
          busy AS (SELECT tenant, count(*) AS running FROM jobs
                     WHERE status = 'running' GROUP BY tenant)
     SELECT jobs.id FROM jobs
       JOIN heads ON heads.tenant = jobs.tenant
       LEFT JOIN busy ON busy.tenant = jobs.tenant
      WHERE jobs.status = 'queued'
      ORDER BY jobs.seq <> heads.seq, COALESCE(busy.running, 0),
               (SELECT max(served.started_at) FROM jobs AS served
                 WHERE served.tenant = jobs.tenant) NULLS FIRST,
               jobs.seq
      LIMIT 1
        FOR UPDATE OF jobs SKIP LOCKED`,
  );
  return row?.id ?? null;
}

/**
 * Leases the job to `owner` as its next attempt and opens that attempt's audit row, whose time
 * is the database's clock (one clock for every replica), in one statement.
 */
export async function claimJob(
  tx: Transaction,
  id: string,
  claim: { owner: string; expiresAt: number; startedAt: string; tookOverExpired: boolean },
): Promise<JobRow> {
  const [row] = await tx.query<JobRow>(
    `WITH claimed AS (
       UPDATE jobs SET status = 'running', attempts = attempts + 1, failures = failures + $2,
         lease_owner = $3, lease_expires_at = $4, started_at = COALESCE(started_at, $5)
       WHERE id = $1
       RETURNING ${JOB_COLUMNS}),
     attempt AS (
       INSERT INTO job_attempts (job_id, attempt, owner, started_at)
       SELECT id, attempts, $3, clock_timestamp() FROM claimed)
     SELECT * FROM claimed`,
    [id, claim.tookOverExpired ? 1 : 0, claim.owner, claim.expiresAt, claim.startedAt],
  );
  return row;
}

export async function failExpired(
  tx: Transaction,
  id: string,
  attempts: number,
  message: string,
  finishedAt: string,
): Promise<void> {
  await tx.execute(
    `UPDATE jobs SET status = 'failed', failures = failures + 1, error_code = 'WORKER_CRASHED',
       error_message = $3, lease_owner = NULL, lease_expires_at = NULL, finished_at = $4
     WHERE id = $1 AND attempts = $2 AND status = 'running'`,
    [id, attempts, message, finishedAt],
  );
}

export async function closeAttempt(
  tx: Transaction,
  id: string,
  attempt: number,
  outcome: AttemptOutcome,
): Promise<void> {
  await tx.execute(
    `UPDATE job_attempts SET ended_at = clock_timestamp(), outcome = $3
      WHERE job_id = $1 AND attempt = $2 AND ended_at IS NULL`,
    [id, attempt, outcome],
  );
}

/** The lease of a job, locked until the transaction ends. */
export async function lockLease(tx: Transaction, id: string): Promise<LeaseRow | null> {
  const [row] = await tx.query<LeaseRow>(
    `SELECT ${LEASE_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return row ?? null;
}

/** Extends every lease that `owner` still holds at that attempt, in one statement. */
export async function renewHeldLeases(
  tx: Transaction,
  owner: string,
  leases: readonly { id: string; attempt: number }[],
  expiresAt: number,
): Promise<LeaseRow[]> {
  // Sorted, so that two transactions touching the same rows lock them in the same order.
  const sorted = [...leases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return tx.query<LeaseRow>(
    `UPDATE jobs SET lease_expires_at = $3
       FROM unnest($1::text[], $2::int[]) AS lease(id, attempt)
      WHERE jobs.id = lease.id AND jobs.attempts = lease.attempt AND jobs.lease_owner = $4
        AND jobs.status = 'running'
     RETURNING jobs.id, jobs.status, jobs.attempts, jobs.failures, jobs.lease_owner,
       jobs.lease_expires_at, jobs.cancel_requested`,
    [sorted.map((lease) => lease.id), sorted.map((lease) => lease.attempt), expiresAt, owner],
  );
}

/** Updates a running job's summary if `attempt` still owns it; false when fenced out. */
export async function updateProgress(
  tx: Transaction,
  id: string,
  attempt: number,
  summary: {
    epoch: number;
    cost: number | null;
    validationCost: number | null;
    bestEpoch: number | null;
  },
) {
  return (
    (await tx.execute(
      `UPDATE jobs SET epoch = $3, cost = $4, validation_cost = $5, best_epoch = $6
      WHERE id = $1 AND attempts = $2 AND status = 'running'`,
      [id, attempt, summary.epoch, summary.cost, summary.validationCost, summary.bestEpoch],
    )) > 0
  );
}

/** Writes a batch of epochs in one statement; a replayed epoch replaces its row. */
export async function upsertHistory(
  tx: Transaction,
  id: string,
  items: readonly HistoryItem[],
): Promise<void> {
  if (items.length === 0) return;
  await tx.execute(
    `INSERT INTO job_history (job_id, epoch, cost, validation_cost, accuracy, validation_accuracy,
       gradient_norms, elapsed_ms)
     SELECT $1, * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
       $7::json[], $8::float8[])
     ON CONFLICT (job_id, epoch) DO UPDATE SET cost = excluded.cost,
       validation_cost = excluded.validation_cost,
       accuracy = excluded.accuracy, validation_accuracy = excluded.validation_accuracy,
       gradient_norms = excluded.gradient_norms, elapsed_ms = excluded.elapsed_ms`,
    [id, ...historyColumns(items)],
  );
}

export async function saveCheckpoint(
  tx: Transaction,
  id: string,
  checkpoint: StoredCheckpoint,
): Promise<void> {
  await tx.execute(
    `INSERT INTO job_checkpoints (job_id, epoch, state, created_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (job_id) DO UPDATE SET epoch = excluded.epoch, state = excluded.state,
       created_at = excluded.created_at`,
    [
      id,
      checkpoint.epoch,
      Buffer.from(
        checkpoint.state.buffer,
        checkpoint.state.byteOffset,
        checkpoint.state.byteLength,
      ),
    ],
  );
}

/** Records how a running job ended, if `attempt` still owns it; false when fenced out. */
export async function finishJob(
  tx: Transaction,
  id: string,
  attempt: number,
  outcome: JobOutcome,
): Promise<boolean> {
  return (
    (await tx.execute(
      `UPDATE jobs SET status = $3, stop_reason = $4, error_code = $5, error_message = $6,
       model = $7, model_epoch = $8, model_cost = $9, epoch = $10,
       best_epoch = COALESCE($11, best_epoch), finished_at = $12, lease_owner = NULL,
       lease_expires_at = NULL
     WHERE id = $1 AND attempts = $2 AND status = 'running'`,
      [
        id,
        attempt,
        outcome.status,
        outcome.stopReason,
        outcome.error?.code ?? null,
        outcome.error?.message ?? null,
        outcome.model ? encodeLayers(outcome.model.layers) : null,
        outcome.model?.epoch ?? null,
        outcome.model?.cost ?? null,
        outcome.lastEpoch,
        outcome.bestEpoch,
        outcome.finishedAt,
      ],
    )) > 0
  );
}

/** Deletes what an abandoned attempt wrote past the job's last epoch, and its checkpoint. */
export async function clearAfterFinish(
  tx: Transaction,
  id: string,
  lastEpoch: number,
): Promise<void> {
  await tx.execute(
    `WITH trimmed AS (DELETE FROM job_history WHERE job_id = $1 AND epoch > $2)
     DELETE FROM job_checkpoints WHERE job_id = $1`,
    [id, lastEpoch],
  );
}

export async function requeueJob(
  tx: Transaction,
  id: string,
  attempt: number,
  failures: number,
): Promise<void> {
  await tx.execute(
    `UPDATE jobs SET status = 'queued', failures = $3, lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $1 AND attempts = $2 AND status = 'running'`,
    [id, attempt, failures],
  );
}

export async function failRunningJob(
  tx: Transaction,
  id: string,
  attempt: number,
  failures: number,
  failure: { code: string; message: string },
  finishedAt: string,
): Promise<void> {
  await tx.execute(
    `UPDATE jobs SET status = 'failed', failures = $3, error_code = $4, error_message = $5,
       lease_owner = NULL, lease_expires_at = NULL, finished_at = $6
     WHERE id = $1 AND attempts = $2 AND status = 'running'`,
    [id, attempt, failures, failure.code, failure.message, finishedAt],
  );
}
