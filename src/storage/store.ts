import type { LayerParameters } from '../engine/index.js';
import type {
  DatasetRecord,
  DatasetValues,
  HistoryItem,
  JobAttempt,
  JobError,
  JobRecord,
  JobStatus,
  NetworkRecord,
  NewDataset,
  Page,
  StopReason,
  StoredCheckpoint,
  StoredModel,
  StoredTraining,
} from './records.js';
import type { NetworkDefinition } from '../engine/index.js';

/**
 * The storage interface the queue and API run on. Every method is one atomic unit of work, so
 * each backend implements it as one transaction in its own way (a synchronous better-sqlite3
 * transaction, an async PostgreSQL one); callers never hold a transaction open across awaits.
 * Writes to a running job are fenced by its attempt number: a process that lost the job's lease
 * gets `false` back and changes nothing.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly datasets: DatasetStore;
  readonly networks: NetworkStore;
  readonly jobs: JobStore;
  readonly idempotency: IdempotencyStore;
  /** What the store's writes changed, announced once they are committed. */
  readonly notifications: StoreNotifications;
  /**
   * A value that differs after any committed write, by this process or another, or null when
   * the store cannot tell cheaply. Answers built at one stamp stay true while it is unchanged.
   * A commit may show only from the next turn of the event loop on (see TurnStamp).
   */
  changeStamp(): string | null;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A committed change that a dispatcher or an event stream may act on at once. Each carries the
 * `origin` of the store that published it, so a process can tell its own changes (which it has
 * already acted on) from another replica's.
 */
export type StoreNotification =
  /** A job became claimable: it was enqueued, or put back in the queue. */
  | { readonly type: 'runnable'; readonly origin: string }
  /** Cancellation was requested for a running job: whoever runs it should stop it now. */
  | { readonly type: 'cancel'; readonly jobId: string; readonly origin: string }
  /** The history rows `fromEpoch..toEpoch` of a running job were committed. */
  | {
      readonly type: 'epochs';
      readonly jobId: string;
      readonly fromEpoch: number;
      readonly toEpoch: number;
      readonly origin: string;
    }
  /** A job's status changed: claimed, requeued, finished or cancelled. */
  | {
      readonly type: 'status';
      readonly jobId: string;
      readonly status: JobStatus;
      readonly origin: string;
      /**
       * `leaseExpired`: failed by a claimer because the process running it stopped renewing its
       * lease too many times. No dispatcher ran it to its end, so none announces it otherwise.
       */
      readonly reason?: 'leaseExpired';
    }
  /**
   * The connection that receives notifications was re-established: anything published while it
   * was down is lost, so listeners re-read what they follow. Published locally, never sent.
   */
  | { readonly type: 'resync'; readonly origin: string };

/**
 * Notifications of committed changes. Stores publish them from inside the writing transaction
 * (PostgreSQL NOTIFY is delivered only on commit, and in commit order), so a listener never
 * hears of a change that was rolled back. SQLite delivers them in this process only.
 */
/** The notification that job `jobId` now has `status`, from the store named by `origin`. */
export function statusChange(
  jobId: string,
  status: JobStatus,
  origin: string,
  reason?: 'leaseExpired',
): StoreNotification {
  return { type: 'status', jobId, status, origin, ...(reason ? { reason } : {}) };
}

export interface StoreNotifications {
  /** The `origin` this store's own notifications carry. */
  readonly origin: string;
  /** True when notifications published by other processes reach this one. */
  readonly reachesOtherProcesses: boolean;
  /** Calls `listener` for every notification, in order; returns the unsubscribe function. */
  subscribe(listener: (notification: StoreNotification) => void): () => void;
}

/** Records the first response of an idempotent POST together with the resource it created. */
export interface IdempotentWrite<T> {
  readonly tenant: string;
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  /** Renders the response from the created record, inside the creating transaction. */
  render(record: T): StoredResponse;
}

export interface StoredResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly location: string | null;
}

export interface IdempotencyRecord extends StoredResponse {
  readonly requestHash: string;
}

export interface IdempotencyStore {
  find(tenant: string, scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Deletes records created before `before` (ISO time). */
  prune(before: string): Promise<number>;
}

export interface DatasetStore {
  create(dataset: NewDataset, idempotency?: IdempotentWrite<DatasetRecord>): Promise<DatasetRecord>;
  get(tenant: string, id: string): Promise<DatasetRecord | null>;
  values(id: string): Promise<DatasetValues | null>;
  list(tenant: string, options: ListOptions): Promise<Page<DatasetRecord>>;
  /** Deletes unless a queued or running job uses it: then throws DatasetInUseError. */
  delete(tenant: string, id: string): Promise<boolean>;
}

export interface NetworkStore {
  create(
    network: NetworkRecord,
    idempotency?: IdempotentWrite<NetworkRecord>,
  ): Promise<NetworkRecord>;
  get(tenant: string, id: string): Promise<NetworkRecord | null>;
  list(tenant: string, options: ListOptions): Promise<Page<NetworkRecord>>;
}

export interface ListOptions {
  readonly limit: number;
  /** Continue after this sequence number (exclusive), newest first. */
  readonly beforeSeq?: number;
  readonly status?: JobStatus;
}

export interface NewJob {
  readonly id: string;
  readonly tenant: string;
  readonly network: NetworkDefinition;
  readonly networkId: string | null;
  readonly datasetId: string;
  readonly training: StoredTraining;
  readonly initialModel: LayerParameters[] | null;
  readonly createdAt: string;
}

/** A job handed to a dispatcher, with everything a worker needs to train it. */
export interface ClaimedJob {
  readonly job: JobRecord;
  readonly dataset: DatasetValues & {
    readonly rows: number;
    readonly inputSize: number;
    readonly targetSize: number;
  };
  readonly checkpoint: StoredCheckpoint | null;
  readonly initialModel: LayerParameters[] | null;
}

/** Epoch reports to append, the job's summary after them, and optionally a new checkpoint. */
export interface ProgressWrite {
  readonly items: readonly HistoryItem[];
  readonly epoch: number;
  readonly cost: number | null;
  readonly validationCost: number | null;
  readonly bestEpoch: number | null;
  readonly checkpoint: StoredCheckpoint | null;
}

export interface JobOutcome {
  readonly status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  readonly stopReason: StopReason | null;
  readonly error: JobError | null;
  readonly model: StoredModel | null;
  /** History rows after this epoch are left over from an abandoned attempt and are deleted. */
  readonly lastEpoch: number;
  readonly bestEpoch: number | null;
  readonly finishedAt: string;
  /** Epoch reports not stored yet: appended in the same transaction (one commit less per job). */
  readonly history?: readonly HistoryItem[];
}

/** A running job's lease as seen by a heartbeat or a recovery scan. */
export interface LeaseInfo {
  readonly id: string;
  readonly attempts: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly cancelRequested: boolean;
}

export interface CreateJobOptions {
  readonly inlineDataset?: NewDataset;
  readonly queueLimit: number;
  readonly tenantJobLimit: number;
  readonly idempotency?: IdempotentWrite<JobRecord>;
}

/** How a running job goes back to the queue (or fails): see JobStore.release. */
export interface ReleaseOptions {
  readonly countFailure: boolean;
  readonly maxAttempts: number;
  readonly checkpoint: StoredCheckpoint | null;
  readonly failure: JobError;
  readonly finishedAt: string;
}

export interface ClaimOptions {
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
  /** A job whose lease expired has lost an attempt; at this many failures it ends failed. */
  readonly maxAttempts: number;
  readonly startedAt: string;
}

export interface JobStore {
  /**
   * Inserts a queued job (and its inline dataset) unless `queueLimit` jobs already wait
   * (QueueFullError) or the tenant already has `tenantJobLimit` queued or running jobs
   * (JobQuotaExceededError).
   */
  create(job: NewJob, options: CreateJobOptions): Promise<JobRecord>;
  get(tenant: string, id: string): Promise<JobRecord | null>;
  /** Any tenant's job: for the dispatcher and the event stream, never for API lookups. */
  getById(id: string): Promise<JobRecord | null>;
  list(tenant: string, options: ListOptions): Promise<Page<JobRecord>>;
  countWaiting(): Promise<number>;
  /** Jobs of every tenant per status, every status present (0 when none): for metrics. */
  countByStatus(): Promise<Record<JobStatus, number>>;

  /**
   * Claims the oldest queued job, or a running one whose lease expired, in one immediate
   * transaction: attempts + 1, lease to `owner`. Null when nothing is runnable.
   */
  claimNext(options: ClaimOptions): Promise<ClaimedJob | null>;
  /** Extends the leases `owner` still holds; reports which it lost and which must cancel. */
  renewLeases(
    owner: string,
    leases: readonly { id: string; attempt: number }[],
    expiresAt: number,
  ): Promise<{ held: LeaseInfo[]; lost: string[] }>;
  recordProgress(id: string, attempt: number, progress: ProgressWrite): Promise<boolean>;
  /** Records how an attempt ended: the job as it now stands, or null if the lease was lost. */
  finish(id: string, attempt: number, outcome: JobOutcome): Promise<JobRecord | null>;
  /**
   * Puts a running job back in the queue (after a graceful suspend, or a crash when
   * `countFailure`), keeping its newest checkpoint; fails it with `failure` instead once
   * failures reach maxAttempts. Returns the resulting status, or null if fenced out.
   */
  release(id: string, attempt: number, options: ReleaseOptions): Promise<JobStatus | null>;
  /** Queued: cancelled at once. Running: flagged for the runner. Terminal: unchanged. */
  requestCancel(tenant: string, id: string, finishedAt: string): Promise<JobRecord | null>;
  runningLeases(): Promise<LeaseInfo[]>;

  /**
   * Up to `limit` history items after `afterEpoch`, in order; with `every` > 1 only the epochs
   * that are multiples of it (a sample of a long history, found by key, not by scanning).
   */
  history(id: string, afterEpoch: number, limit: number, every?: number): Promise<HistoryItem[]>;
  /** Every attempt of a job, in order (the job_attempts audit table). */
  attempts(id: string): Promise<JobAttempt[]>;
  model(id: string): Promise<StoredModel | null>;
  latestCheckpoint(id: string): Promise<StoredCheckpoint | null>;
}

/**
 * Thrown by a create whose Idempotency-Key was already used in its scope: the caller replays
 * `record` when the request hash matches, or answers 409 IDEMPOTENCY_CONFLICT.
 */
export class IdempotencyKeyUsedError extends Error {
  constructor(readonly record: IdempotencyRecord) {
    super('idempotency key already used');
  }
}
