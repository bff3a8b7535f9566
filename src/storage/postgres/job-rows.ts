import type { NetworkDefinition } from '../../engine/index.js';
import type {
  AttemptOutcome,
  HistoryItem,
  JobAttempt,
  JobRecord,
  JobStatus,
  StoredTraining,
} from '../records.js';
import type { LeaseInfo } from '../store.js';

/** Every jobs column but the blobs; `has_model` says whether the model blob is there. */
export const JOB_COLUMNS = `seq, id, tenant, status, cancel_requested, network, network_id, dataset_id,
  training, epochs, epoch, cost, validation_cost, best_epoch, stop_reason, error_code, error_message,
  attempts, failures, lease_owner, lease_expires_at, model IS NOT NULL AS has_model, created_at,
  started_at, finished_at`;

export const LEASE_COLUMNS =
  'id, status, attempts, failures, lease_owner, lease_expires_at, cancel_requested';

export interface JobRow {
  seq: number;
  id: string;
  tenant: string;
  status: JobStatus;
  cancel_requested: boolean;
  network: NetworkDefinition;
  network_id: string | null;
  dataset_id: string;
  training: StoredTraining;
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
  has_model: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface LeaseRow {
  id: string;
  status: JobStatus;
  attempts: number;
  failures: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: boolean;
}

export interface HistoryRow {
  epoch: number;
  cost: number;
  validation_cost: number | null;
  accuracy: number | null;
  validation_accuracy: number | null;
  gradient_norms: number[];
  elapsed_ms: number;
}

export interface AttemptRow {
  job_id: string;
  attempt: number;
  owner: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome | null;
}

export function fromJobRow(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    status: row.status,
    cancelRequested: row.cancel_requested,
    network: row.network,
    networkId: row.network_id,
    datasetId: row.dataset_id,
    training: row.training,
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
    hasModel: row.has_model,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function toLease(row: LeaseRow): LeaseInfo {
  return {
    id: row.id,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested,
  };
}

export function fromHistoryRow(row: HistoryRow): HistoryItem {
  const item: { -readonly [K in keyof HistoryItem]: HistoryItem[K] } = {
    epoch: row.epoch,
    cost: row.cost,
    gradientNorms: row.gradient_norms,
    elapsedMs: row.elapsed_ms,
  };
  if (row.validation_cost !== null) item.validationCost = row.validation_cost;
  if (row.accuracy !== null) item.accuracy = row.accuracy;
  if (row.validation_accuracy !== null) item.validationAccuracy = row.validation_accuracy;
  return item;
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

/** History items as parallel arrays, for one `INSERT … SELECT FROM unnest(…)` per batch. */
export function historyColumns(items: readonly HistoryItem[]) {
  return [
    items.map((item) => item.epoch),
    items.map((item) => item.cost),
    items.map((item) => item.validationCost ?? null),
    items.map((item) => item.accuracy ?? null),
    items.map((item) => item.validationAccuracy ?? null),
    // JSON text, as in SQLite: a non-finite norm is stored as null.
    items.map((item) => JSON.stringify(item.gradientNorms)),
    items.map((item) => item.elapsedMs),
  ];
}
