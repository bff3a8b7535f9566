import { JobQuotaExceededError, QueueFullError } from '../../errors.js';
import {
  firstMultipleAfter,
  JOB_STATUSES,
  type HistoryItem,
  type JobAttempt,
  type JobRecord,
  type JobStatus,
  type Page,
  type StoredCheckpoint,
  type StoredModel,
} from '../records.js';
import {
  statusChange,
  type ClaimedJob,
  type ClaimOptions,
  type CreateJobOptions,
  type JobOutcome,
  type JobStore,
  type LeaseInfo,
  type ListOptions,
  type NewJob,
  type ProgressWrite,
  type ReleaseOptions,
} from '../store.js';
import { decodeLayers } from '../codec.js';
import { readBlob, type PostgresDatabase, type Transaction } from './database.js';
import { toPage } from '../rows.js';
import { insertDataset, lockDatasetForUse } from './datasets.js';
import { claimIdempotent } from './idempotency.js';
import { claimInTransaction } from './job-claim.js';
import {
  fromAttemptRow,
  fromHistoryRow,
  fromJobRow,
  JOB_COLUMNS,
  LEASE_COLUMNS,
  toLease,
  type AttemptRow,
  type HistoryRow,
  type JobRow,
  type LeaseRow,
} from './job-rows.js';
import {
  clearAfterFinish,
  closeAttempt,
  countQueuedForEnqueue,
  countTenantActive,
  failRunningJob,
  finishJob,
  insertJob,
  lockLease,
  renewHeldLeases,
  requeueJob,
  saveCheckpoint,
  updateProgress,
  upsertHistory,
} from './job-statements.js';

/**
 * The jobs table, its history, checkpoints and attempts on PostgreSQL. Each method is one
 * transaction (the claim's body is in job-claim.ts, the statements in job-statements.ts).
 * Notifications are sent from inside the transactions, so every replica hears of a change
 * exactly when it commits.
 */
export class PostgresJobs implements JobStore {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly origin: string,
  ) {}

  async create(job: NewJob, options: CreateJobOptions): Promise<JobRecord> {
    return this.db.transaction((tx) =>
      claimIdempotent(tx, options.idempotency, async () => {
        if (options.inlineDataset) await insertDataset(tx, options.inlineDataset);
        else await lockDatasetForUse(tx, job.datasetId);
        const waiting = await countQueuedForEnqueue(tx);
        if (waiting >= options.queueLimit) {
          throw new QueueFullError(`the queue holds ${waiting} jobs, its limit`, {
            headers: { 'retry-after': '30' },
          });
        }
        const active = await countTenantActive(tx, job.tenant);
        if (active >= options.tenantJobLimit) {
          throw new JobQuotaExceededError(
            `${active} jobs of this tenant are queued or running, the limit`,
            { headers: { 'retry-after': '30' } },
          );
        }
        const row = await insertJob(tx, job);
        tx.notify({ type: 'runnable', origin: this.origin });
        return fromJobRow(row);
      }),
    );
  }

  async get(tenant: string, id: string): Promise<JobRecord | null> {
    const [row] = await this.db.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1 AND tenant = $2`,
      [id, tenant],
    );
    return row ? fromJobRow(row) : null;
  }

  async getById(id: string): Promise<JobRecord | null> {
    const [row] = await this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [
      id,
    ]);
    return row ? fromJobRow(row) : null;
  }

  async list(tenant: string, options: ListOptions): Promise<Page<JobRecord>> {
    const before = options.beforeSeq ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.db.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs
        WHERE tenant = $1 AND seq < $2 AND ($4::text IS NULL OR status = $4)
        ORDER BY seq DESC LIMIT $3`,
      [tenant, before, options.limit + 1, options.status ?? null],
    );
    return toPage(rows, options.limit, fromJobRow);
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    const rows = await this.db.query<{ status: JobStatus; count: number }>(
      'SELECT status, count(*) AS count FROM jobs GROUP BY status',
    );
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  async countWaiting(): Promise<number> {
    const [{ count }] = await this.db.query<{ count: number }>(
      `SELECT count(*) AS count FROM jobs WHERE status = 'queued'`,
    );
    return count;
  }

  async claimNext(options: ClaimOptions): Promise<ClaimedJob | null> {
    return this.db.transaction((tx) => claimInTransaction(tx, options, this.origin));
  }

  async renewLeases(
    owner: string,
    leases: readonly { id: string; attempt: number }[],
    expiresAt: number,
  ): Promise<{ held: LeaseInfo[]; lost: string[] }> {
    if (leases.length === 0) return { held: [], lost: [] };
    const rows = await this.db.transaction((tx) => renewHeldLeases(tx, owner, leases, expiresAt));
    const renewed = new Set(rows.map((row) => row.id));
    const held = leases
      .filter((lease) => renewed.has(lease.id))
      .map((lease) => toLease(rows.find((row) => row.id === lease.id)!));
    return {
      held,
      lost: leases.filter((lease) => !renewed.has(lease.id)).map((lease) => lease.id),
    };
  }

  async recordProgress(id: string, attempt: number, progress: ProgressWrite): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await updateProgress(tx, id, attempt, progress))) return false;
      await upsertHistory(tx, id, progress.items);
      if (progress.checkpoint) await saveCheckpoint(tx, id, progress.checkpoint);
      if (progress.items.length > 0) {
        tx.notify({
          type: 'epochs',
          jobId: id,
          fromEpoch: progress.items[0].epoch,
          toEpoch: progress.items[progress.items.length - 1].epoch,
          origin: this.origin,
        });
      }
      return true;
    });
  }

  async finish(id: string, attempt: number, outcome: JobOutcome): Promise<JobRecord | null> {
    return this.db.transaction(async (tx) => {
      // The attempt's last reports, stored with its end (the fenced UPDATE below decides).
      const history = outcome.history ?? [];
      if (!(await finishJob(tx, id, attempt, outcome))) return null;
      await upsertHistory(tx, id, history);
      await clearAfterFinish(tx, id, outcome.lastEpoch);
      await closeAttempt(tx, id, attempt, outcome.status);
      if (history.length > 0) {
        tx.notify({
          type: 'epochs',
          jobId: id,
          fromEpoch: history[0].epoch,
          toEpoch: history[history.length - 1].epoch,
          origin: this.origin,
        });
      }
      tx.notify(statusChange(id, outcome.status, this.origin));
      const [ended] = await tx.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
      return fromJobRow(ended);
    });
  }

  async release(id: string, attempt: number, options: ReleaseOptions): Promise<JobStatus | null> {
    return this.db.transaction(async (tx) => {
      const lease = await lockLease(tx, id);
      if (!lease || lease.attempts !== attempt || lease.status !== 'running') return null;
      const failures = lease.failures + (options.countFailure ? 1 : 0);
      if (options.checkpoint) await saveCheckpoint(tx, id, options.checkpoint);
      await closeAttempt(tx, id, attempt, options.countFailure ? 'crashed' : 'suspended');

      if (failures >= options.maxAttempts) {
        await failRunningJob(tx, id, attempt, failures, options.failure, options.finishedAt);
        tx.notify(statusChange(id, 'failed', this.origin));
        return 'failed';
      }
      await requeueJob(tx, id, attempt, failures);
      tx.notify(statusChange(id, 'queued', this.origin));
      tx.notify({ type: 'runnable', origin: this.origin });
      return 'queued';
    });
  }

  async requestCancel(tenant: string, id: string, finishedAt: string): Promise<JobRecord | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<LeaseRow>(
        `SELECT ${LEASE_COLUMNS} FROM jobs WHERE id = $1 AND tenant = $2 FOR UPDATE`,
        [id, tenant],
      );
      if (!row) return null;
      if (row.status === 'queued') {
        await tx.execute(
          `UPDATE jobs SET status = 'cancelled', cancel_requested = true, stop_reason = 'cancelled',
                  finished_at = $2
            WHERE id = $1`,
          [id, finishedAt],
        );
        tx.notify(statusChange(id, 'cancelled', this.origin));
      } else if (row.status === 'running') {
        await tx.execute('UPDATE jobs SET cancel_requested = true WHERE id = $1', [id]);
        // Carried at once to whichever replica runs the job; its heartbeat would find it too.
        tx.notify({ type: 'cancel', jobId: id, origin: this.origin });
      }
      const [after] = await tx.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
      return fromJobRow(after);
    });
  }

  async runningLeases(): Promise<LeaseInfo[]> {
    const rows = await this.db.query<LeaseRow>(
      `SELECT ${LEASE_COLUMNS} FROM jobs WHERE status = 'running' ORDER BY seq`,
    );
    return rows.map(toLease);
  }

  async history(id: string, afterEpoch: number, limit: number, every = 1): Promise<HistoryItem[]> {
    const rows =
      every === 1
        ? await this.db.query<HistoryRow>(
            `SELECT epoch, cost, validation_cost, accuracy, validation_accuracy, gradient_norms,
                    elapsed_ms
               FROM job_history WHERE job_id = $1 AND epoch > $2 ORDER BY epoch LIMIT $3`,
            [id, afterEpoch, limit],
          )
        : // Epochs first, first + every, …: one key lookup each, however long the history.
          await this.db.query<HistoryRow>(
            `SELECT history.epoch, cost, validation_cost, accuracy, validation_accuracy,
                    gradient_norms, elapsed_ms
               FROM generate_series($2::bigint, $2::bigint + ($3::bigint - 1) * $4::bigint,
                                    $4::bigint) AS wanted(epoch)
               JOIN job_history AS history ON history.job_id = $1 AND history.epoch = wanted.epoch
              ORDER BY history.epoch`,
            [id, firstMultipleAfter(afterEpoch, every), limit, every],
          );
    return rows.map(fromHistoryRow);
  }

  async attempts(id: string): Promise<JobAttempt[]> {
    const rows = await this.db.query<AttemptRow>(
      `SELECT job_id, attempt, owner, started_at, ended_at, outcome FROM job_attempts
        WHERE job_id = $1 ORDER BY attempt`,
      [id],
    );
    return rows.map(fromAttemptRow);
  }

  async model(id: string): Promise<StoredModel | null> {
    return this.db.transaction(
      async (tx) => {
        const [row] = await tx.query<{ model_epoch: number | null; model_cost: number | null }>(
          'SELECT model_epoch, model_cost FROM jobs WHERE id = $1',
          [id],
        );
        const bytes = row
          ? await readBlob(tx, { table: 'jobs', column: 'model', key: 'id' }, id)
          : null;
        if (!bytes) return null;
        return { epoch: row.model_epoch!, cost: row.model_cost, layers: decodeLayers(bytes) };
      },
      { readOnlySnapshot: true },
    );
  }

  async latestCheckpoint(id: string): Promise<StoredCheckpoint | null> {
    return this.db.transaction((tx) => readCheckpoint(tx, id), { readOnlySnapshot: true });
  }
}

async function readCheckpoint(tx: Transaction, id: string): Promise<StoredCheckpoint | null> {
  const [row] = await tx.query<{ epoch: number }>(
    'SELECT epoch FROM job_checkpoints WHERE job_id = $1',
    [id],
  );
  const state = row
    ? await readBlob(tx, { table: 'job_checkpoints', column: 'state', key: 'job_id' }, id)
    : null;
  return row && state ? { epoch: row.epoch, state: new Uint8Array(state) } : null;
}
