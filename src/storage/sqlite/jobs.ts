import { JobQuotaExceededError, QueueFullError } from '../../errors.js';
import { decodeLayers, encodeLayers } from '../codec.js';
import type { NotificationHub } from '../notification-hub.js';
import {
  JOB_STATUSES,
  type AttemptOutcome,
  type HistoryItem,
  type JobAttempt,
  type JobRecord,
  type JobStatus,
  type Page,
  type StoredCheckpoint,
  type StoredModel,
} from '../records.js';
import type {
  ClaimedJob,
  ClaimOptions,
  CreateJobOptions,
  JobOutcome,
  JobStore,
  LeaseInfo,
  ListOptions,
  NewJob,
  ProgressWrite,
  StoreNotification,
} from '../store.js';
import { toPage, type SqliteDatasets } from './datasets.js';
import type { SqliteDatabase } from './database.js';
import type { SqliteIdempotency } from './idempotency.js';

interface JobRow {
  seq: number;
  id: string;
  tenant: string;
  status: JobStatus;
  cancel_requested: number;
  network: string;
  network_id: string | null;
  dataset_id: string;
  training: string;
  epochs: number;
  epoch: number;
  cost: number | null;
  validation_cost: number | null;
  best_epoch: number | null;
  stop_reason: JobRecord['stopReason'];
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  failures: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  has_model: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface HistoryRow {
  epoch: number;
  cost: number;
  validation_cost: number | null;
  accuracy: number | null;
  validation_accuracy: number | null;
  gradient_norms: string;
  elapsed_ms: number;
}

// Every column but the blobs; `has_model` says whether the model blob is there.
const COLUMNS = `seq, id, tenant, status, cancel_requested, network, network_id, dataset_id, training,
  epochs, epoch, cost, validation_cost, best_epoch, stop_reason, error_code, error_message, attempts,
  failures, lease_owner, lease_expires_at, model IS NOT NULL AS has_model, created_at, started_at,
  finished_at`;

/** The jobs table and its history and checkpoints: every queue statement, each named. */
export class SqliteJobs implements JobStore {
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly datasets: SqliteDatasets,
    private readonly idempotency: SqliteIdempotency,
    private readonly hub: NotificationHub,
  ) {
    this.statements = prepareJobStatements(db);
  }

  /** Announces committed changes to this process's listeners, after the caller returns. */
  private announce(...notifications: StoreNotification[]): void {
    queueMicrotask(() => notifications.forEach((notification) => this.hub.deliver(notification)));
  }

  private status(id: string, status: JobStatus): StoreNotification {
    return { type: 'status', jobId: id, status, origin: this.hub.origin };
  }

  private endAttempt(id: string, attempt: number, outcome: AttemptOutcome): void {
    this.statements.endAttempt.run({ id, attempt, outcome, endedAt: new Date().toISOString() });
  }

  async create(job: NewJob, options: CreateJobOptions): Promise<JobRecord> {
    const { statements } = this;
    const created = this.db
      .transaction(() =>
        this.idempotency.claimSync(options.idempotency, () => {
          const waiting = statements.countWaiting.get()!.count;
          if (waiting >= options.queueLimit) {
            throw new QueueFullError(`the queue holds ${waiting} jobs, its limit`, {
              headers: { 'retry-after': '30' },
            });
          }
          const active = statements.countTenantActive.get({ tenant: job.tenant })!.count;
          if (active >= options.tenantJobLimit) {
            throw new JobQuotaExceededError(
              `${active} jobs of this tenant are queued or running, the limit`,
              { headers: { 'retry-after': '30' } },
            );
          }
          if (options.inlineDataset) this.datasets.insertSync(options.inlineDataset);
          statements.insert.run({
            id: job.id,
            tenant: job.tenant,
            network: JSON.stringify(job.network),
            networkId: job.networkId,
            datasetId: job.datasetId,
            training: JSON.stringify(job.training),
            initialModel: job.initialModel ? encodeLayers(job.initialModel) : null,
            epochs: job.training.epochs,
            createdAt: job.createdAt,
          });
          return fromRow(statements.byIdAnyTenant.get({ id: job.id })!);
        }),
      )
      .immediate();
    this.announce({ type: 'runnable', origin: this.hub.origin });
    return created;
  }

  async get(tenant: string, id: string): Promise<JobRecord | null> {
    const row = this.statements.byId.get({ tenant, id });
    return row ? fromRow(row) : null;
  }

  async getById(id: string): Promise<JobRecord | null> {
    const row = this.statements.byIdAnyTenant.get({ id });
    return row ? fromRow(row) : null;
  }

  async list(tenant: string, options: ListOptions): Promise<Page<JobRecord>> {
    const parameters = {
      tenant,
      before: options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      limit: options.limit + 1,
    };
    const rows = options.status
      ? this.statements.pageByStatus.all({ ...parameters, status: options.status })
      : this.statements.page.all(parameters);
    return toPage(rows, options.limit, fromRow);
  }

  async countWaiting(): Promise<number> {
    return this.statements.countWaiting.get()!.count;
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<
      JobStatus,
      number
    >;
    for (const row of this.statements.countByStatus.all()) counts[row.status] = row.count;
    return counts;
  }

  async claimNext(options: ClaimOptions): Promise<ClaimedJob | null> {
    const { statements } = this;
    const claim = this.db.transaction(() => {
      for (;;) {
        const expired = statements.nextExpired.get({ now: options.now });
        const candidate = expired ?? statements.nextQueued.get();
        if (!candidate) return null;

        // An expired lease means the owner died mid-attempt: that attempt counts as a failure.
        if (expired) this.endAttempt(expired.id, expired.attempts, 'lease_expired');
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
        statements.claim.run({
          id: candidate.id,
          owner: options.owner,
          expires: options.now + options.leaseMs,
          startedAt: options.startedAt,
          failed: expired ? 1 : 0,
        });
        const job = fromRow(statements.byIdAnyTenant.get({ id: candidate.id })!);
        statements.startAttempt.run({
          id: job.id,
          attempt: job.attempts,
          owner: options.owner,
          startedAt: new Date().toISOString(),
        });
        return job;
      }
    });
    const failedNow: string[] = [];
    const claimed = claim.immediate();
    this.announce(
      ...failedNow.map((id) => this.status(id, 'failed')),
      ...(claimed ? [this.status(claimed.id, 'running')] : []),
    );
    if (!claimed) return null;

    // Reads after the claim commits: a queued or running job's dataset cannot be deleted.
    const values = await this.datasets.values(claimed.datasetId);
    if (!values) throw new Error(`dataset ${claimed.datasetId} of job ${claimed.id} is missing`);
    const meta = statements.datasetShape.get({ id: claimed.datasetId })!;
    const initial = statements.initialModel.get({ id: claimed.id });
    return {
      job: claimed,
      dataset: {
        ...values,
        rows: meta.rows,
        inputSize: meta.input_size,
        targetSize: meta.target_size,
      },
      checkpoint: await this.latestCheckpoint(claimed.id),
      initialModel: initial?.initial_model ? decodeLayers(initial.initial_model) : null,
    };
  }

  async renewLeases(
    owner: string,
    leases: readonly { id: string; attempt: number }[],
    expiresAt: number,
  ): Promise<{ held: LeaseInfo[]; lost: string[] }> {
    const { statements } = this;
    return this.db
      .transaction(() => {
        const held: LeaseInfo[] = [];
        const lost: string[] = [];
        for (const lease of leases) {
          const renewed =
            statements.renew.run({ id: lease.id, attempt: lease.attempt, owner, expiresAt })
              .changes > 0;
          if (!renewed) {
            lost.push(lease.id);
            continue;
          }
          held.push(toLease(statements.lease.get({ id: lease.id })!));
        }
        return { held, lost };
      })
      .immediate();
  }

  async recordProgress(id: string, attempt: number, progress: ProgressWrite): Promise<boolean> {
    const { statements } = this;
    const held = this.db
      .transaction(() => {
        const fenced =
          statements.progress.run({
            id,
            attempt,
            epoch: progress.epoch,
            cost: progress.cost,
            validationCost: progress.validationCost,
            bestEpoch: progress.bestEpoch,
          }).changes === 0;
        if (fenced) return false;
        this.insertHistory(id, progress.items);
        if (progress.checkpoint) this.saveCheckpoint(id, progress.checkpoint);
        return true;
      })
      .immediate();
    if (held && progress.items.length > 0) {
      this.announce({
        type: 'epochs',
        jobId: id,
        fromEpoch: progress.items[0].epoch,
        toEpoch: progress.items[progress.items.length - 1].epoch,
        origin: this.hub.origin,
      });
    }
    return held;
  }

  async finish(id: string, attempt: number, outcome: JobOutcome): Promise<boolean> {
    const { statements } = this;
    const finished = this.db
      .transaction(() => {
        const history = outcome.history ?? [];
        if (history.length > 0) {
          const last = history[history.length - 1];
          const held =
            statements.progress.run({
              id,
              attempt,
              epoch: last.epoch,
              cost: last.cost,
              validationCost: last.validationCost ?? null,
              bestEpoch: outcome.bestEpoch,
            }).changes > 0;
          if (!held) return false;
          this.insertHistory(id, history);
        }
        const fenced =
          statements.finish.run({
            id,
            attempt,
            status: outcome.status,
            stopReason: outcome.stopReason,
            errorCode: outcome.error?.code ?? null,
            errorMessage: outcome.error?.message ?? null,
            model: outcome.model ? encodeLayers(outcome.model.layers) : null,
            modelEpoch: outcome.model?.epoch ?? null,
            modelCost: outcome.model?.cost ?? null,
            epoch: outcome.lastEpoch,
            bestEpoch: outcome.bestEpoch,
            finishedAt: outcome.finishedAt,
          }).changes === 0;
        if (fenced) return false;
        statements.trimHistory.run({ id, epoch: outcome.lastEpoch });
        statements.deleteCheckpoint.run({ id });
        this.endAttempt(id, attempt, outcome.status);
        return true;
      })
      .immediate();
    if (!finished) return false;
    const history = outcome.history ?? [];
    if (history.length > 0) {
      this.announce({
        type: 'epochs',
        jobId: id,
        fromEpoch: history[0].epoch,
        toEpoch: history[history.length - 1].epoch,
        origin: this.hub.origin,
      });
    }
    this.announce(this.status(id, outcome.status));
    return true;
  }

  async release(
    id: string,
    attempt: number,
    options: {
      countFailure: boolean;
      maxAttempts: number;
      checkpoint: StoredCheckpoint | null;
      failure: { code: string; message: string };
      finishedAt: string;
    },
  ): Promise<JobStatus | null> {
    const { statements } = this;
    const status = this.db
      .transaction((): JobStatus | null => {
        const row = statements.lease.get({ id });
        if (!row || row.attempts !== attempt || row.status !== 'running') return null;
        const failures = row.failures + (options.countFailure ? 1 : 0);
        if (options.checkpoint) this.saveCheckpoint(id, options.checkpoint);
        this.endAttempt(id, attempt, options.countFailure ? 'crashed' : 'suspended');

        if (failures >= options.maxAttempts) {
          statements.failRunning.run({
            id,
            attempt,
            failures,
            code: options.failure.code,
            message: options.failure.message,
            finishedAt: options.finishedAt,
          });
          return 'failed';
        }
        statements.requeue.run({ id, attempt, failures });
        return 'queued';
      })
      .immediate();
    if (status) {
      this.announce(
        this.status(id, status),
        ...(status === 'queued' ? [{ type: 'runnable', origin: this.hub.origin } as const] : []),
      );
    }
    return status;
  }

  async requestCancel(tenant: string, id: string, finishedAt: string): Promise<JobRecord | null> {
    const { statements } = this;
    const [before, after] = this.db
      .transaction((): [JobStatus | null, JobRecord | null] => {
        const row = statements.byId.get({ tenant, id });
        if (!row) return [null, null];
        if (row.status === 'queued') statements.cancelQueued.run({ id, finishedAt });
        else if (row.status === 'running') statements.flagCancel.run({ id });
        return [row.status, fromRow(statements.byId.get({ tenant, id })!)];
      })
      .immediate();
    if (before === 'queued') this.announce(this.status(id, 'cancelled'));
    if (before === 'running') this.announce({ type: 'cancel', jobId: id, origin: this.hub.origin });
    return after;
  }

  async runningLeases(): Promise<LeaseInfo[]> {
    return this.statements.runningLeases.all().map(toLease);
  }

  async history(id: string, afterEpoch: number, limit: number): Promise<HistoryItem[]> {
    return this.statements.history.all({ id, after: afterEpoch, limit }).map(fromHistoryRow);
  }

  async attempts(id: string): Promise<JobAttempt[]> {
    return this.statements.attempts.all({ id }).map((row) => ({
      jobId: row.job_id,
      attempt: row.attempt,
      owner: row.owner,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      outcome: row.outcome,
    }));
  }

  async model(id: string): Promise<StoredModel | null> {
    const row = this.statements.model.get({ id });
    if (!row?.model) return null;
    return { epoch: row.model_epoch!, cost: row.model_cost, layers: decodeLayers(row.model) };
  }

  async latestCheckpoint(id: string): Promise<StoredCheckpoint | null> {
    const row = this.statements.checkpoint.get({ id });
    return row ? { epoch: row.epoch, state: new Uint8Array(row.state) } : null;
  }

  /**
   * Inserts history rows with multi-row statements, largest blocks first (100 rows: 64 + 16 +
   * 16 + 4): a fast job reports thousands of epochs a second, and a statement per row cost the
   * main thread ~5 µs a row, against ~1.5 µs in blocks.
   */
  private insertHistory(id: string, items: readonly HistoryItem[]): void {
    let index = 0;
    for (const [rows, statement] of this.statements.upsertHistoryBlocks) {
      const values: unknown[] = new Array(HISTORY_COLUMNS * rows);
      for (; index + rows <= items.length; index += rows) {
        for (let row = 0; row < rows; row++) {
          putHistoryValues(values, row * HISTORY_COLUMNS, id, items[index + row]);
        }
        statement.run(values);
      }
    }
  }

  private saveCheckpoint(id: string, checkpoint: StoredCheckpoint): void {
    this.statements.upsertCheckpoint.run({
      id,
      epoch: checkpoint.epoch,
      state: Buffer.from(checkpoint.state),
      createdAt: new Date().toISOString(),
    });
  }
}

const HISTORY_COLUMNS = 8;
/** Rows per history insert statement, largest first; the last must be 1. */
const HISTORY_BLOCK_ROWS = [64, 16, 4, 1];

function prepareJobStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare(
      `INSERT INTO jobs (id, tenant, status, network, network_id, dataset_id, training, initial_model,
         epochs, created_at)
       VALUES (@id, @tenant, 'queued', @network, @networkId, @datasetId, @training, @initialModel,
         @epochs, @createdAt)`,
    ),
    byId: db.prepare<{ tenant: string; id: string }, JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE id = @id AND tenant = @tenant`,
    ),
    byIdAnyTenant: db.prepare<{ id: string }, JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = @id`),
    page: db.prepare<{ tenant: string; before: number; limit: number }, JobRow>(
      `SELECT ${COLUMNS} FROM jobs WHERE tenant = @tenant AND seq < @before ORDER BY seq DESC LIMIT @limit`,
    ),
    pageByStatus: db.prepare<
      { tenant: string; status: string; before: number; limit: number },
      JobRow
    >(
      `SELECT ${COLUMNS} FROM jobs WHERE tenant = @tenant AND status = @status AND seq < @before
        ORDER BY seq DESC LIMIT @limit`,
    ),
    countTenantActive: db.prepare<{ tenant: string }, { count: number }>(
      `SELECT count(*) AS count FROM jobs WHERE tenant = @tenant AND status IN ('queued', 'running')`,
    ),
    countWaiting: db.prepare<[], { count: number }>(
      `SELECT count(*) AS count FROM jobs WHERE status = 'queued'`,
    ),
    countByStatus: db.prepare<[], { status: JobStatus; count: number }>(
      'SELECT status, count(*) AS count FROM jobs GROUP BY status',
    ),

    /** The oldest running job whose lease ran out: its owner is presumed dead. */
    nextExpired: db.prepare<{ now: number }, { id: string; attempts: number; failures: number }>(
      `SELECT id, attempts, failures FROM jobs WHERE status = 'running' AND lease_expires_at < @now
        ORDER BY seq LIMIT 1`,
    ),
    /**
     * The next queued job, fairly across tenants: each tenant's oldest queued job competes; the
     * tenant with the fewest running jobs wins, then the one served longest ago (round robin),
     * then submission order. One tenant's thousand queued jobs therefore never hold back another
     * tenant's single one, even with one worker; within a tenant, jobs run in submission order.
     */
    nextQueued: db.prepare<[], { id: string }>(
      `WITH heads AS (SELECT tenant, min(seq) AS seq FROM jobs WHERE status = 'queued' GROUP BY tenant),
            busy AS (SELECT tenant, count(*) AS running FROM jobs WHERE status = 'running' GROUP BY tenant)
       SELECT jobs.id FROM heads
         JOIN jobs ON jobs.seq = heads.seq
         LEFT JOIN busy ON busy.tenant = heads.tenant
        ORDER BY COALESCE(busy.running, 0),
                 (SELECT max(served.started_at) FROM jobs AS served WHERE served.tenant = heads.tenant) NULLS FIRST,
                 heads.seq
        LIMIT 1`,
    ),
    claim: db.prepare(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, failures = failures + @failed,
         lease_owner = @owner, lease_expires_at = @expires, started_at = COALESCE(started_at, @startedAt)
       WHERE id = @id`,
    ),
    failExpired: db.prepare(
      `UPDATE jobs SET status = 'failed', failures = failures + 1, error_code = 'WORKER_CRASHED',
         error_message = @message, lease_owner = NULL, lease_expires_at = NULL, finished_at = @finishedAt
       WHERE id = @id AND attempts = @attempts AND status = 'running'`,
    ),
    datasetShape: db.prepare<
      { id: string },
      { rows: number; input_size: number; target_size: number }
    >('SELECT rows, input_size, target_size FROM datasets WHERE id = @id'),
    initialModel: db.prepare<{ id: string }, { initial_model: Buffer | null }>(
      'SELECT initial_model FROM jobs WHERE id = @id',
    ),

    renew: db.prepare(
      `UPDATE jobs SET lease_expires_at = @expiresAt
       WHERE id = @id AND attempts = @attempt AND lease_owner = @owner AND status = 'running'`,
    ),
    lease: db.prepare<{ id: string }, LeaseRow & { status: JobStatus }>(
      `SELECT id, status, attempts, failures, lease_owner, lease_expires_at, cancel_requested FROM jobs
        WHERE id = @id`,
    ),
    runningLeases: db.prepare<[], LeaseRow>(
      `SELECT id, attempts, failures, lease_owner, lease_expires_at, cancel_requested FROM jobs
        WHERE status = 'running' ORDER BY seq`,
    ),

    progress: db.prepare(
      `UPDATE jobs SET epoch = @epoch, cost = @cost, validation_cost = @validationCost, best_epoch = @bestEpoch
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    /** Positional: a 64-row statement would need 512 parameter names. */
    upsertHistoryBlocks: HISTORY_BLOCK_ROWS.map(
      (rows) =>
        [
          rows,
          db.prepare(
            `INSERT OR REPLACE INTO job_history (job_id, epoch, cost, validation_cost, accuracy, validation_accuracy,
         gradient_norms, elapsed_ms)
       VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          ),
        ] as const,
    ),
    upsertCheckpoint: db.prepare(
      `INSERT INTO job_checkpoints (job_id, epoch, state, created_at) VALUES (@id, @epoch, @state, @createdAt)
       ON CONFLICT (job_id) DO UPDATE SET epoch = excluded.epoch, state = excluded.state,
         created_at = excluded.created_at`,
    ),
    checkpoint: db.prepare<{ id: string }, { epoch: number; state: Buffer }>(
      'SELECT epoch, state FROM job_checkpoints WHERE job_id = @id',
    ),
    deleteCheckpoint: db.prepare('DELETE FROM job_checkpoints WHERE job_id = @id'),

    finish: db.prepare(
      `UPDATE jobs SET status = @status, stop_reason = @stopReason, error_code = @errorCode,
         error_message = @errorMessage, model = @model, model_epoch = @modelEpoch, model_cost = @modelCost,
         epoch = @epoch, best_epoch = COALESCE(@bestEpoch, best_epoch), finished_at = @finishedAt,
         lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    trimHistory: db.prepare('DELETE FROM job_history WHERE job_id = @id AND epoch > @epoch'),
    requeue: db.prepare(
      `UPDATE jobs SET status = 'queued', failures = @failures, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND attempts = @attempt AND status = 'running'`,
    ),
    failRunning: db.prepare(
      `UPDATE jobs SET status = 'failed', failures = @failures, error_code = @code, error_message = @message,
         lease_owner = NULL, lease_expires_at = NULL, finished_at = @finishedAt
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
      `INSERT INTO job_attempts (job_id, attempt, owner, started_at) VALUES (@id, @attempt, @owner, @startedAt)`,
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
      `SELECT epoch, cost, validation_cost, accuracy, validation_accuracy, gradient_norms, elapsed_ms
         FROM job_history WHERE job_id = @id AND epoch > @after ORDER BY epoch LIMIT @limit`,
    ),
    model: db.prepare<
      { id: string },
      { model: Buffer | null; model_epoch: number | null; model_cost: number | null }
    >('SELECT model, model_epoch, model_cost FROM jobs WHERE id = @id'),
  };
}

interface AttemptRow {
  job_id: string;
  attempt: number;
  owner: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome | null;
}

interface LeaseRow {
  id: string;
  attempts: number;
  failures: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
}

function toLease(row: LeaseRow): LeaseInfo {
  return {
    id: row.id,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
  };
}

function fromRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    cancelRequested: row.cancel_requested === 1,
    network: JSON.parse(row.network),
    networkId: row.network_id,
    datasetId: row.dataset_id,
    training: JSON.parse(row.training),
    epochs: row.epochs,
    epoch: row.epoch,
    cost: row.cost,
    validationCost: row.validation_cost,
    bestEpoch: row.best_epoch,
    stopReason: row.stop_reason,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    attempts: row.attempts,
    failures: row.failures,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    hasModel: row.has_model === 1,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Writes one row's values at `offset`, in the column order of the history insert statements. */
function putHistoryValues(values: unknown[], offset: number, id: string, item: HistoryItem): void {
  values[offset] = id;
  values[offset + 1] = item.epoch;
  values[offset + 2] = item.cost;
  values[offset + 3] = item.validationCost ?? null;
  values[offset + 4] = item.accuracy ?? null;
  values[offset + 5] = item.validationAccuracy ?? null;
  values[offset + 6] = JSON.stringify(item.gradientNorms);
  values[offset + 7] = item.elapsedMs;
}

function fromHistoryRow(row: HistoryRow): HistoryItem {
  const item: { -readonly [K in keyof HistoryItem]: HistoryItem[K] } = {
    epoch: row.epoch,
    cost: row.cost,
    gradientNorms: JSON.parse(row.gradient_norms),
    elapsedMs: row.elapsed_ms,
  };
  if (row.validation_cost !== null) item.validationCost = row.validation_cost;
  if (row.accuracy !== null) item.accuracy = row.accuracy;
  if (row.validation_accuracy !== null) item.validationAccuracy = row.validation_accuracy;
  return item;
}
