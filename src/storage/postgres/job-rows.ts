import type { NetworkDefinition } from '../../engine/index.js';
import type { HistoryItem, JobRecord, JobStatus, StoredTraining } from '../records.js';
import {
  historyItem,
  jobRecord,
  leaseInfo,
  type HistoryColumns,
  type JobColumns,
  type LeaseColumns,
} from '../rows.js';
import type { LeaseInfo } from '../store.js';

export { fromAttemptRow, type AttemptRow } from '../rows.js';

/** Every jobs column but the blobs; `has_model` says whether the model blob is there. */
export const JOB_COLUMNS = `seq, id, tenant, status, cancel_requested, network, network_id,
  dataset_id, training, epochs, epoch, cost, validation_cost, best_epoch, stop_reason, error_code,
  error_message, attempts, failures, lease_owner, lease_expires_at,
  model IS NOT NULL AS has_model, created_at, started_at, finished_at`;

export const LEASE_COLUMNS =
  'id, status, attempts, failures, lease_owner, lease_expires_at, cancel_requested';

/** A jobs row as PostgreSQL returns it: booleans and JSON decoded by the driver. */
export interface JobRow extends JobColumns {
  cancel_requested: boolean;
  network: NetworkDefinition;
  training: StoredTraining;
  has_model: boolean;
}

export interface LeaseRow extends LeaseColumns {
  status: JobStatus;
  failures: number;
  cancel_requested: boolean;
}

export interface HistoryRow extends HistoryColumns {
  gradient_norms: number[];
}

export function fromJobRow(row: JobRow): JobRecord {
  return jobRecord(row, {
    cancelRequested: row.cancel_requested,
    network: row.network,
    training: row.training,
    hasModel: row.has_model,
  });
}

export function toLease(row: LeaseRow): LeaseInfo {
  return leaseInfo(row, row.cancel_requested);
}

export function fromHistoryRow(row: HistoryRow): HistoryItem {
  return historyItem(row, row.gradient_norms);
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
