import { bufferToNumbers, numbersToBuffer } from '../codec.js';
import type { HistoryItem, JobRecord } from '../records.js';
import {
  historyItem,
  jobRecord,
  leaseInfo,
  type HistoryColumns,
  type JobColumns,
  type LeaseColumns,
} from '../rows.js';
import type { LeaseInfo } from '../store.js';

export type { AttemptRow } from '../rows.js';

/** A jobs row as SQLite returns it: booleans as 0 or 1, JSON as text. */
export interface JobRow extends JobColumns {
  cancel_requested: number;
  network: string;
  training: string;
  has_model: number;
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

export interface HistoryRow extends HistoryColumns {
  /** Float64 values (see putHistoryValues); JSON text in rows that earlier builds wrote. */
  gradient_norms: Buffer | string;
}

// Every column but the blobs; `has_model` says whether the model blob is there.
export const COLUMNS = `seq, id, tenant, status, cancel_requested, network, network_id, dataset_id,
  training, epochs, epoch, cost, validation_cost, best_epoch, stop_reason, error_code,
  error_message, attempts, failures, lease_owner, lease_expires_at,
  model IS NOT NULL AS has_model, created_at, started_at, finished_at`;

/** The jobs table and its history and checkpoints: every queue statement, each named. */

/** Values per history row in a multi-row insert. */
export const HISTORY_COLUMNS = 8;

export interface LeaseRow extends LeaseColumns {
  failures: number;
  cancel_requested: number;
}

export function toLease(row: LeaseRow): LeaseInfo {
  return leaseInfo(row, row.cancel_requested === 1);
}

export function fromRow(row: JobRow): JobRecord {
  return jobRecord(row, {
    cancelRequested: row.cancel_requested === 1,
    network: JSON.parse(row.network),
    training: JSON.parse(row.training),
    hasModel: row.has_model === 1,
  });
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
  const norms = row.gradient_norms;
  return historyItem(row, typeof norms === 'string' ? JSON.parse(norms) : bufferToNumbers(norms));
}
