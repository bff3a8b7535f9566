import { bufferToNumbers, numbersToBuffer } from '../codec.js';
import type { AttemptOutcome, HistoryItem, JobRecord, JobStatus } from '../records.js';
import type { LeaseInfo } from '../store.js';

export interface JobRow {
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

/** A claimed job's dataset, warm-start weights and newest checkpoint, read in one statement. */
export interface ClaimInputsRow {
  inputs: Buffer;
  targets: Buffer;
  rows: number;
  input_size: number;
  target_size: number;
  initial_model: Buffer | null;
  checkpoint_epoch: number | null;
  checkpoint_state: Buffer | null;
}

export interface HistoryRow {
  epoch: number;
  cost: number;
  validation_cost: number | null;
  accuracy: number | null;
  validation_accuracy: number | null;
  /** Float64 values (see putHistoryValues); JSON text in rows that earlier builds wrote. */
  gradient_norms: Buffer | string;
  elapsed_ms: number;
}

// Every column but the blobs; `has_model` says whether the model blob is there.
export const COLUMNS = `seq, id, tenant, status, cancel_requested, network, network_id, dataset_id,
  training, epochs, epoch, cost, validation_cost, best_epoch, stop_reason, error_code,
  error_message, attempts, failures, lease_owner, lease_expires_at,
  model IS NOT NULL AS has_model, created_at, started_at, finished_at`;

/** The jobs table and its history and checkpoints: every queue statement, each named. */

/** Values per history row in a multi-row insert. */
export const HISTORY_COLUMNS = 8;

export interface AttemptRow {
  job_id: string;
  attempt: number;
  owner: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome | null;
}

export interface LeaseRow {
  id: string;
  attempts: number;
  failures: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
}

export function toLease(row: LeaseRow): LeaseInfo {
  return {
    id: row.id,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
  };
}

export function fromRow(row: JobRow): JobRecord {
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
export function putHistoryValues(
  values: unknown[],
  offset: number,
  id: string,
  item: HistoryItem,
): void {
  values[offset] = id;
  values[offset + 1] = item.epoch;
  values[offset + 2] = item.cost;
  values[offset + 3] = item.validationCost ?? null;
  values[offset + 4] = item.accuracy ?? null;
  values[offset + 5] = item.validationAccuracy ?? null;
  // Float64 values, not JSON text: formatting each norm was a third of the cost of storing a
  // history row, and a job with microsecond epochs stores rows as fast as the main thread can.
  values[offset + 6] = numbersToBuffer(item.gradientNorms);
  values[offset + 7] = item.elapsedMs;
}

export function fromHistoryRow(row: HistoryRow): HistoryItem {
  const item: { -readonly [K in keyof HistoryItem]: HistoryItem[K] } = {
    epoch: row.epoch,
    cost: row.cost,
    gradientNorms:
      typeof row.gradient_norms === 'string'
        ? JSON.parse(row.gradient_norms)
        : bufferToNumbers(row.gradient_norms),
    elapsedMs: row.elapsed_ms,
  };
  if (row.validation_cost !== null) item.validationCost = row.validation_cost;
  if (row.accuracy !== null) item.accuracy = row.accuracy;
  if (row.validation_accuracy !== null) item.validationAccuracy = row.validation_accuracy;
  return item;
}
