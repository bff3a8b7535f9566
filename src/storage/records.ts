import type {
  EpochReport,
  LayerParameters,
  NetworkDefinition,
  ResolvedTrainingOptions,
} from '../engine/index.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function isTerminal(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** The first epoch after `afterEpoch` that a history sampled every `every` epochs holds. */
export function firstMultipleAfter(afterEpoch: number, every: number): number {
  return (Math.floor(afterEpoch / every) + 1) * every;
}

export interface DatasetRecord {
  readonly id: string;
  readonly tenant: string;
  readonly name: string | null;
  readonly rows: number;
  readonly inputSize: number;
  readonly targetSize: number;
  /** Hex SHA-256 of the stored values (see dataset-codec.ts). */
  readonly sha256: string;
  readonly createdAt: string;
}

/** A dataset's values, row-major: inputs rows × inputSize, targets rows × targetSize. */
export interface DatasetValues {
  readonly inputs: Float64Array;
  readonly targets: Float64Array;
}

export interface NewDataset extends DatasetRecord, DatasetValues {}

export interface NetworkRecord {
  readonly id: string;
  readonly tenant: string;
  readonly definition: NetworkDefinition;
  readonly parameterCount: number;
  readonly createdAt: string;
}

/** Training options as stored with a job: every default resolved, the seed fixed. */
export type StoredTraining = ResolvedTrainingOptions & {
  /** Where a warm start came from, for display; the weights themselves are stored apart. */
  readonly initialModel: { readonly jobId: string } | { readonly layers: 'explicit' } | null;
};

export interface JobError {
  readonly code: string;
  readonly message: string;
}

export type StopReason = 'epochs' | 'targetCost' | 'earlyStopping' | 'timeLimit' | 'cancelled';

export interface JobRecord {
  readonly id: string;
  readonly tenant: string;
  readonly status: JobStatus;
  readonly cancelRequested: boolean;
  readonly network: NetworkDefinition;
  readonly networkId: string | null;
  readonly datasetId: string;
  readonly training: StoredTraining;
  readonly epochs: number;
  /** The last epoch reported. */
  readonly epoch: number;
  readonly cost: number | null;
  readonly validationCost: number | null;
  readonly bestEpoch: number | null;
  readonly stopReason: StopReason | null;
  readonly error: JobError | null;
  readonly attempts: number;
  readonly failures: number;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: number | null;
  readonly hasModel: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export type HistoryItem = EpochReport;

export interface StoredModel {
  readonly epoch: number;
  readonly cost: number | null;
  readonly layers: LayerParameters[];
}

export interface StoredCheckpoint {
  readonly epoch: number;
  /** encodeCheckpoint() bytes. */
  readonly state: Uint8Array;
}

/** How an attempt ended, as recorded by whatever ended it or took it away. */
export const ATTEMPT_OUTCOMES = [
  'succeeded',
  'failed',
  'cancelled',
  'suspended',
  'crashed',
  'lease_expired',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * One claim of a job, for audit: who trained it from when to when. An attempt's period ends in
 * the same transaction that ends its ownership of the job, so attempts of one job never overlap.
 */
export interface JobAttempt {
  readonly jobId: string;
  readonly attempt: number;
  readonly owner: string;
  readonly startedAt: string;
  /** Null while the attempt still owns the job. */
  readonly endedAt: string | null;
  readonly outcome: AttemptOutcome | null;
}

/** A page of a list and the cursor of the next one. */
export interface Page<T> {
  readonly items: T[];
  /** The sequence number to continue after, or null at the end. */
  readonly nextSeq: number | null;
}
