import type { DatasetRecord, NewDataset, Page } from './records.js';

/**
 * Row mappings that both backends share: the datasets table's metadata columns (the same names
 * and types in SQLite and PostgreSQL), and the newest-first pages every list route returns.
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
