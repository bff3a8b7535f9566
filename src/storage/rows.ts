import type { NetworkDefinition } from '../engine/index.js';
import type {
  AttemptOutcome,
  DatasetRecord,
  HistoryItem,
  JobAttempt,
  JobRecord,
  JobStatus,
  NewDataset,
  Page,
  StoredTraining,
} from './records.js';
import type { LeaseInfo } from './store.js';

/**
 * Row mappings that both backends share: columns with the same names and types in SQLite and
 * PostgreSQL map here; each backend decodes the few it stores differently (booleans as 0/1 and
 * JSON as text in SQLite) and hands them over. Also the newest-first pages of the list routes.
 */

/** A dataset's row without its value blobs. */
export interface DatasetRow {
  seq: number;
  id: string;
  tenant: string;
  name: string | null;
  rows: number;
  input_size: number;
  target_size: number;
  sha256: string;
  created_at: string;
}

/** The columns of a DatasetRow, for SELECT lists. */
export const DATASET_COLUMNS =
  'seq, id, tenant, name, rows, input_size, target_size, sha256, created_at';

/** The record of a dataset about to be stored: its metadata, without the values. */
export function datasetRecord(dataset: NewDataset): DatasetRecord {
  const { id, tenant, name, rows, inputSize, targetSize, sha256, createdAt } = dataset;
  return { id, tenant, name, rows, inputSize, targetSize, sha256, createdAt };
}

export function fromDatasetRow(row: DatasetRow): DatasetRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    rows: row.rows,
    inputSize: row.input_size,
    targetSize: row.target_size,
    sha256: row.sha256,
    createdAt: row.created_at,
  };
}

/** Newest-first page from `limit + 1` rows: the extra row only says that more exist. */
export function toPage<Row extends { seq: number }, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const shown = hasMore ? rows.slice(0, limit) : rows;
  return { items: shown.map(map), nextSeq: hasMore ? shown[shown.length - 1].seq : null };
}

/** The jobs columns both backends type alike; see jobRecord for the others. */
export interface JobColumns {
  seq: number;
  id: string;
  tenant: string;
  status: JobStatus;
  network_id: string | null;
  dataset_id: string;
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
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The jobs columns each backend stores its own way, decoded. */
export interface DecodedJobColumns {
  cancelRequested: boolean;
  network: NetworkDefinition;
  training: StoredTraining;
  hasModel: boolean;
}

export function jobRecord(row: JobColumns, decoded: DecodedJobColumns): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    cancelRequested: decoded.cancelRequested,
    network: decoded.network,
    networkId: row.network_id,
    datasetId: row.dataset_id,
    training: decoded.training,
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
    hasModel: decoded.hasModel,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** A job's lease columns (cancel_requested is decoded by the backend). */
export interface LeaseColumns {
  id: string;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export function leaseInfo(row: LeaseColumns, cancelRequested: boolean): LeaseInfo {
  return {
    id: row.id,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested,
  };
}

/** A history row's columns but its gradient norms, which each backend decodes. */
export interface HistoryColumns {
  epoch: number;
  cost: number;
  validation_cost: number | null;
  accuracy: number | null;
  validation_accuracy: number | null;
  elapsed_ms: number;
}

/** The item of a history row; optional values that are absent are left out, not null. */
export function historyItem(row: HistoryColumns, gradientNorms: number[]): HistoryItem {
  const item: { -readonly [K in keyof HistoryItem]: HistoryItem[K] } = {
    epoch: row.epoch,
    cost: row.cost,
    gradientNorms,
    elapsedMs: row.elapsed_ms,
  };
  if (row.validation_cost !== null) item.validationCost = row.validation_cost;
  if (row.accuracy !== null) item.accuracy = row.accuracy;
  if (row.validation_accuracy !== null) item.validationAccuracy = row.validation_accuracy;
  return item;
}

export interface AttemptRow {
  job_id: string;
  attempt: number;
  owner: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome | null;
}

export function fromAttemptRow(row: AttemptRow): JobAttempt {
  return {
    jobId: row.job_id,
    attempt: row.attempt,
    owner: row.owner,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome,
  };
}
