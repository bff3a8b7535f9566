import type { HistoryItem, JobStatus } from '../records.js';
import type { SqliteDatabase } from './database.js';
import {
  COLUMNS,
  HISTORY_COLUMNS,
  putHistoryValues,
  type AttemptRow,
  type ClaimInputsRow,
  type HistoryRow,
  type JobRow,
  type LeaseRow,
} from './job-rows.js';

/** Rows per history insert statement, largest first; the last must be 1. */
export const HISTORY_BLOCK_ROWS = [64, 16, 4, 1];

/** Every statement of the jobs, history, checkpoint and attempt tables, prepared once. */
export function prepareJobStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare<Record<string, unknown>, JobRow>(
      `INSERT INTO jobs (id, tenant, status, network, network_id, dataset_id, training,
         initial_model, epochs, created_at)
       VALUES (@id, @tenant, 'queued', @network, @networkId, @datasetId, @training, @initialModel,
         @epochs, @createdAt)
       RETURNING ${COLUMNS}`,
    ),
    byId: db.prepare<{ tenant: string; id: string }, JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE id = @id AND tenant = @tenant`,
    ),
    byIdAnyTenant: db.prepare<{ id: string }, JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = @id`),
    page: db.prepare<{ tenant: string; before: number; limit: number }, JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE tenant = @tenant AND seq < @before
        ORDER BY seq DESC LIMIT @limit`,
    ),
    pageByStatus: db.prepare<
      { tenant: string; status: string; before: number; limit: number },
      JobRow
    >(
      `SELECT ${COLUMNS} FROM jobs WHERE tenant = @tenant AND status = @status AND seq < @before
        ORDER BY seq DESC LIMIT @limit`,
    ),
    countTenantActive: db.prepare<{ tenant: string }, { count: number }>(
      `SELECT count(*) AS count FROM jobs
        WHERE tenant = @tenant AND status IN ('queued', 'running')`,
    ),
    countWaiting: db.prepare<[], { count: number }>(
      `SELECT count(*) AS count FROM jobs WHERE status = 'queued'`,
    ),
    countByStatus: db.prepare<[], { status: JobStatus; count: number }>(
      'SELECT status, count(*) AS count FROM jobs GROUP BY status',
    ),

    /** Whether a claim could find anything: a read, without the write lock or a commit. */
    hasClaimable: db
      .prepare<{ now: number }, number>(
        `SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued')
             OR EXISTS (SELECT 1 FROM jobs WHERE status = 'running' AND lease_expires_at < @now)`,
      )
      .pluck(),
    /** The oldest running job whose lease ran out: its owner is presumed dead. */
    nextExpired: db.prepare<{ now: number }, { id: string; attempts: number; failures: number }>(
      `SELECT id, attempts, failures FROM jobs WHERE status = 'running' AND lease_expires_at < @now
        ORDER BY seq LIMIT 1`,
    ),
    /** The oldest queued job: the next one when no other tenant has a job queued. */
    oldestQueued: db.prepare<[], { id: string; tenant: string }>(
      `SELECT id, tenant FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1`,
    ),
    otherTenantQueued: db
      .prepare<{ tenant: string }, number>(
        `SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND tenant <> @tenant)`,
      )
      .pluck(),
    /**
     * The next queued job, fairly across tenants: each tenant's oldest queued job competes; the
     * tenant with the fewest running jobs wins, then the one served longest ago (round robin),
     * then submission order. One tenant's thousand queued jobs therefore never hold back another
     * tenant's single one, even with one worker; within a tenant, jobs run in submission order.
     */
    nextQueued: db.prepare<[], { id: string }>(
      `WITH heads AS (SELECT tenant, min(seq) AS seq FROM jobs WHERE status = 'queued'
                       GROUP BY tenant),
            busy AS (SELECT tenant, count(*) AS running FROM jobs WHERE status = 'running'
                      GROUP BY tenant)
       SELECT jobs.id FROM heads
         JOIN jobs ON jobs.seq = heads.seq
         LEFT JOIN busy ON busy.tenant = heads.tenant
        ORDER BY COALESCE(busy.running, 0),
                 (SELECT max(served.started_at) FROM jobs AS served
                   WHERE served.tenant = heads.tenant) NULLS FIRST,
                 heads.seq
        LIMIT 1`,
    ),
    claim: db.prepare<Record<string, unknown>, JobRow>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, failures = failures + @failed,
         lease_owner = @owner, lease_expires_at = @expires,
         started_at = COALESCE(started_at, @startedAt)
       WHERE id = @id
       RETURNING ${COLUMNS}`,
    ),
    failExpired: db.prepare(
      `UPDATE jobs SET status = 'failed', failures = failures + 1, error_code = 'WORKER_CRASHED',
         error_message = @message, lease_owner = NULL, lease_expires_at = NULL,
         finished_at = @finishedAt
       WHERE id = @id AND attempts = @attempts AND status = 'running'`,
    ),
    /** What a worker needs besides the job: its dataset, warm-start weights and checkpoint. */
    claimInputs: db.prepare<{ id: string }, ClaimInputsRow>(
      `SELECT datasets.inputs, datasets.targets, datasets.rows, datasets.input_size,
              datasets.target_size, jobs.initial_model, checkpoint.epoch AS checkpoint_epoch,
              checkpoint.state AS checkpoint_state
         FROM jobs JOIN datasets ON datasets.id = jobs.dataset_id
         LEFT JOIN job_checkpoints AS checkpoint ON checkpoint.job_id = jobs.id
        WHERE jobs.id = @id`,
    ),

    renew: db.prepare(
      `UPDATE jobs SET lease_expires_at = @expiresAt
       WHERE id = @id AND attempts = @attempt AND lease_owner = @owner AND status = 'running'`,
    ),
    lease: db.prepare<{ id: string }, LeaseRow & { status: JobStatus }>(
      `SELECT id, status, attempts, failures, lease_owner, lease_expires_at, cancel_requested
         FROM jobs WHERE id = @id`,
    ),
    runningLeases: db.prepare<[], LeaseRow>(
      `SELECT id, attempts, failures, lease_owner, lease_expires_at, cancel_requested FROM jobs
        WHERE status = 'running' ORDER BY seq`,
    ),

    progress: db.prepare(
      `UPDATE jobs SET epoch = @epoch, cost = @cost, validation_cost = @validationCost,
         best_epoch = @bestEpoch
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    /** Positional: a 64-row statement would need 512 parameter names. */
    upsertHistoryBlocks: HISTORY_BLOCK_ROWS.map(
      (rows) =>
        [
          rows,
          db.prepare(
            `INSERT OR REPLACE INTO job_history (job_id, epoch, cost, validation_cost, accuracy,
               validation_accuracy, gradient_norms, elapsed_ms)
       VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          ),
        ] as const,
    ),
    upsertCheckpoint: db.prepare(
      `INSERT INTO job_checkpoints (job_id, epoch, state, created_at)
       VALUES (@id, @epoch, @state, @createdAt)
       ON CONFLICT (job_id) DO UPDATE SET epoch = excluded.epoch, state = excluded.state,
         created_at = excluded.created_at`,
    ),
    checkpoint: db.prepare<{ id: string }, { epoch: number; state: Buffer }>(
      'SELECT epoch, state FROM job_checkpoints WHERE job_id = @id',
    ),
    deleteCheckpoint: db.prepare('DELETE FROM job_checkpoints WHERE job_id = @id'),

    finish: db.prepare<Record<string, unknown>, JobRow>(
      `UPDATE jobs SET status = @status, stop_reason = @stopReason, error_code = @errorCode,
         error_message = @errorMessage, model = @model, model_epoch = @modelEpoch,
         model_cost = @modelCost,
         epoch = @epoch, best_epoch = COALESCE(@bestEpoch, best_epoch), finished_at = @finishedAt,
         lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND attempts = @attempt AND status = 'running'
       RETURNING ${COLUMNS}`,
    ),
    trimHistory: db.prepare('DELETE FROM job_history WHERE job_id = @id AND epoch > @epoch'),
    requeue: db.prepare(
      `UPDATE jobs SET status = 'queued', failures = @failures, lease_owner = NULL,
         lease_expires_at = NULL
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    failRunning: db.prepare(
      `UPDATE jobs SET status = 'failed', failures = @failures, error_code = @code,
         error_message = @message, lease_owner = NULL, lease_expires_at = NULL,
         finished_at = @finishedAt
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    cancelQueued: db.prepare(
      `UPDATE jobs SET status = 'cancelled', cancel_requested = 1, stop_reason = 'cancelled',
         finished_at = @finishedAt
       WHERE id = @id AND status = 'queued'`,
    ),
    flagCancel: db.prepare(
      `UPDATE jobs SET cancel_requested = 1 WHERE id = @id AND status = 'running'`,
    ),

    startAttempt: db.prepare(
      `INSERT INTO job_attempts (job_id, attempt, owner, started_at)
       VALUES (@id, @attempt, @owner, @startedAt)`,
    ),
    endAttempt: db.prepare(
      `UPDATE job_attempts SET ended_at = @endedAt, outcome = @outcome
        WHERE job_id = @id AND attempt = @attempt AND ended_at IS NULL`,
    ),
    attempts: db.prepare<{ id: string }, AttemptRow>(
      `SELECT job_id, attempt, owner, started_at, ended_at, outcome FROM job_attempts
        WHERE job_id = @id ORDER BY attempt`,
    ),

    history: db.prepare<{ id: string; after: number; limit: number }, HistoryRow>(
      `SELECT epoch, cost, validation_cost, accuracy, validation_accuracy, gradient_norms,
              elapsed_ms
         FROM job_history WHERE job_id = @id AND epoch > @after ORDER BY epoch LIMIT @limit`,
    ),
    /** Epochs first, first + every, …: one key lookup each, however long the history. */
    sampledHistory: db.prepare<
      { id: string; first: number; every: number; limit: number },
      HistoryRow
    >(
      `WITH RECURSIVE wanted(epoch) AS (
         SELECT CAST(@first AS INTEGER)
         UNION ALL SELECT epoch + CAST(@every AS INTEGER) FROM wanted LIMIT @limit)
       SELECT history.epoch, cost, validation_cost, accuracy, validation_accuracy, gradient_norms,
              elapsed_ms
         FROM wanted JOIN job_history AS history
           ON history.job_id = @id AND history.epoch = wanted.epoch
        ORDER BY history.epoch`,
    ),
    model: db.prepare<
      { id: string },
      { model: Buffer | null; model_epoch: number | null; model_cost: number | null }
    >('SELECT model, model_epoch, model_cost FROM jobs WHERE id = @id'),
  };
}

export type JobStatements = ReturnType<typeof prepareJobStatements>;

/**
 * Inserts history rows with multi-row statements, largest blocks first (100 rows: 64 + 16 +
 * 16 + 4): a fast job reports thousands of epochs a second, and a statement per row cost the
 * main thread ~5 µs a row, against ~1.5 µs in blocks.
 */
export function insertHistory(
  statements: JobStatements,
  id: string,
  items: readonly HistoryItem[],
): void {
  let index = 0;
  for (const [rows, statement] of statements.upsertHistoryBlocks) {
    const values: unknown[] = new Array(HISTORY_COLUMNS * rows);
    for (; index + rows <= items.length; index += rows) {
      for (let row = 0; row < rows; row++) {
        putHistoryValues(values, row * HISTORY_COLUMNS, id, items[index + row]);
      }
      statement.run(values);
    }
  }
}
