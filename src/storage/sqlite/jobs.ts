import { JobQuotaExceededError, QueueFullError } from '../../errors.js';
import { decodeLayers, encodeLayers } from '../codec.js';
import type { NotificationHub } from '../notification-hub.js';
import {
  firstMultipleAfter,
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
  type StoreNotification,
} from '../store.js';
import { fromAttemptRow, toPage } from '../rows.js';
import type { SqliteDatasets } from './datasets.js';
import type { SqliteDatabase } from './database.js';
import type { SqliteIdempotency } from './idempotency.js';
import { claimInTransaction } from './job-claim.js';
import { fromHistoryRow, fromRow, toLease } from './job-rows.js';
import { insertHistory, prepareJobStatements, type JobStatements } from './job-statements.js';

/**
 * The jobs table, its history, checkpoints and attempts on SQLite. Each write is one immediate
 * transaction on the main thread's connection; the claim's body lives in job-claim.ts, the
 * statements in job-statements.ts. Committed changes are announced to this process only.
 */
export class SqliteJobs implements JobStore {
  private readonly statements: JobStatements;
  /** Built once: better-sqlite3 builds a new wrapper for every db.transaction() call. */
  private readonly transactions;

  constructor(
    db: SqliteDatabase,
    private readonly datasets: SqliteDatasets,
    private readonly idempotency: SqliteIdempotency,
    private readonly hub: NotificationHub,
  ) {
    this.statements = prepareJobStatements(db);
    this.transactions = {
      create: db.transaction((job: NewJob, options: CreateJobOptions) =>
        this.createSync(job, options),
      ),
      claim: db.transaction((options: ClaimOptions, failedNow: string[]) =>
        claimInTransaction(this.statements, options, failedNow),
      ),
      renew: db.transaction(
        (owner: string, leases: readonly { id: string; attempt: number }[], expiresAt: number) =>
          this.renewSync(owner, leases, expiresAt),
      ),
      progress: db.transaction((id: string, attempt: number, progress: ProgressWrite) =>
        this.recordProgressSync(id, attempt, progress),
      ),
      finish: db.transaction((id: string, attempt: number, outcome: JobOutcome) =>
        this.finishSync(id, attempt, outcome),
      ),
      release: db.transaction((id: string, attempt: number, options: ReleaseOptions) =>
        this.releaseSync(id, attempt, options),
      ),
      requestCancel: db.transaction((tenant: string, id: string, finishedAt: string) =>
        this.requestCancelSync(tenant, id, finishedAt),
      ),
    };
  }

  /** Announces committed changes to this process's listeners, after the caller returns. */
  private announce(...notifications: StoreNotification[]): void {
    queueMicrotask(() => notifications.forEach((notification) => this.hub.deliver(notification)));
  }

  private endAttempt(id: string, attempt: number, outcome: AttemptOutcome): void {
    this.statements.endAttempt.run({ id, attempt, outcome, endedAt: new Date().toISOString() });
  }

  async create(job: NewJob, options: CreateJobOptions): Promise<JobRecord> {
    const created = this.transactions.create.immediate(job, options);
    this.announce({ type: 'runnable', origin: this.hub.origin });
    return created;
  }

  private createSync(job: NewJob, options: CreateJobOptions): JobRecord {
    const { statements } = this;
    return this.idempotency.claimSync(options.idempotency, () => {
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
      const row = statements.insert.get({
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
      return fromRow(row!);
    });
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
    // Most wake-ups find nothing (a job ended, the periodic poll): a read says so without taking
    // the write lock and committing an empty transaction.
    if (!this.statements.hasClaimable.get({ now: options.now })) return null;
    const failedNow: string[] = [];
    const claimed = this.transactions.claim.immediate(options, failedNow);
    this.announce(
      ...failedNow.map((id) => statusChange(id, 'failed', this.hub.origin, 'leaseExpired')),
      ...(claimed ? [statusChange(claimed.job.id, 'running', this.hub.origin)] : []),
    );
    return claimed;
  }

  async renewLeases(
    owner: string,
    leases: readonly { id: string; attempt: number }[],
    expiresAt: number,
  ): Promise<{ held: LeaseInfo[]; lost: string[] }> {
    return this.transactions.renew.immediate(owner, leases, expiresAt);
  }

  private renewSync(
    owner: string,
    leases: readonly { id: string; attempt: number }[],
    expiresAt: number,
  ): { held: LeaseInfo[]; lost: string[] } {
    const { statements } = this;
    const held: LeaseInfo[] = [];
    const lost: string[] = [];
    for (const lease of leases) {
      const renewed =
        statements.renew.run({ id: lease.id, attempt: lease.attempt, owner, expiresAt }).changes >
        0;
      if (!renewed) {
        lost.push(lease.id);
        continue;
      }
      held.push(toLease(statements.lease.get({ id: lease.id })!));
    }
    return { held, lost };
  }

  async recordProgress(id: string, attempt: number, progress: ProgressWrite): Promise<boolean> {
    const held = this.transactions.progress.immediate(id, attempt, progress);
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

  private recordProgressSync(id: string, attempt: number, progress: ProgressWrite): boolean {
    const fenced =
      this.statements.progress.run({
        id,
        attempt,
        epoch: progress.epoch,
        cost: progress.cost,
        validationCost: progress.validationCost,
        bestEpoch: progress.bestEpoch,
      }).changes === 0;
    if (fenced) return false;
    insertHistory(this.statements, id, progress.items);
    if (progress.checkpoint) this.saveCheckpoint(id, progress.checkpoint);
    return true;
  }

  async finish(id: string, attempt: number, outcome: JobOutcome): Promise<JobRecord | null> {
    const finished = this.transactions.finish.immediate(id, attempt, outcome);
    if (!finished) return null;
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
    this.announce(statusChange(id, outcome.status, this.hub.origin));
    return finished;
  }

  private finishSync(id: string, attempt: number, outcome: JobOutcome): JobRecord | null {
    const { statements } = this;
    const history = outcome.history ?? [];
    if (history.length > 0) {
      // The attempt's last reports, written as any progress is (fenced by the lease).
      const last = history[history.length - 1];
      const held = this.recordProgressSync(id, attempt, {
        items: history,
        epoch: last.epoch,
        cost: last.cost,
        validationCost: last.validationCost ?? null,
        bestEpoch: outcome.bestEpoch,
        checkpoint: null,
      });
      if (!held) return null;
    }
    // The row as it ended, returned by the update: no read after the commit to announce it.
    const ended = statements.finish.get({
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
    });
    if (!ended) return null;
    statements.trimHistory.run({ id, epoch: outcome.lastEpoch });
    statements.deleteCheckpoint.run({ id });
    this.endAttempt(id, attempt, outcome.status);
    return fromRow(ended);
  }

  async release(id: string, attempt: number, options: ReleaseOptions): Promise<JobStatus | null> {
    const status = this.transactions.release.immediate(id, attempt, options);
    if (status) {
      this.announce(
        statusChange(id, status, this.hub.origin),
        ...(status === 'queued' ? [{ type: 'runnable', origin: this.hub.origin } as const] : []),
      );
    }
    return status;
  }

  private releaseSync(id: string, attempt: number, options: ReleaseOptions): JobStatus | null {
    const { statements } = this;
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
  }

  async requestCancel(tenant: string, id: string, finishedAt: string): Promise<JobRecord | null> {
    const [before, after] = this.transactions.requestCancel.immediate(tenant, id, finishedAt);
    if (before === 'queued') this.announce(statusChange(id, 'cancelled', this.hub.origin));
    if (before === 'running') this.announce({ type: 'cancel', jobId: id, origin: this.hub.origin });
    return after;
  }

  private requestCancelSync(
    tenant: string,
    id: string,
    finishedAt: string,
  ): [JobStatus | null, JobRecord | null] {
    const { statements } = this;
    const row = statements.byId.get({ tenant, id });
    if (!row) return [null, null];
    if (row.status === 'queued') statements.cancelQueued.run({ id, finishedAt });
    else if (row.status === 'running') statements.flagCancel.run({ id });
    return [row.status, fromRow(statements.byId.get({ tenant, id })!)];
  }

  async runningLeases(): Promise<LeaseInfo[]> {
    return this.statements.runningLeases.all().map(toLease);
  }

  async history(id: string, afterEpoch: number, limit: number, every = 1): Promise<HistoryItem[]> {
    const rows =
      every === 1
        ? this.statements.history.all({ id, after: afterEpoch, limit })
        : this.statements.sampledHistory.all({
            id,
            first: firstMultipleAfter(afterEpoch, every),
            every,
            limit,
          });
    return rows.map(fromHistoryRow);
  }

  async attempts(id: string): Promise<JobAttempt[]> {
    return this.statements.attempts.all({ id }).map(fromAttemptRow);
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

  private saveCheckpoint(id: string, checkpoint: StoredCheckpoint): void {
    this.statements.upsertCheckpoint.run({
      id,
      epoch: checkpoint.epoch,
      state: Buffer.from(checkpoint.state),
      createdAt: new Date().toISOString(),
    });
  }
}
