import { DatasetInUseError, NotFoundError } from '../../errors.js';
import { bufferToFloat64, float64ToBuffer } from '../codec.js';
import type { DatasetRecord, DatasetValues, NewDataset, Page } from '../records.js';
import {
  DATASET_COLUMNS,
  datasetRecord,
  fromDatasetRow,
  toPage,
  type DatasetRow,
} from '../rows.js';
import type { DatasetStore, IdempotentWrite, ListOptions } from '../store.js';
import { readBlob, type PostgresDatabase, type Transaction } from './database.js';
import { claimIdempotent } from './idempotency.js';

export class PostgresDatasets implements DatasetStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(
    dataset: NewDataset,
    idempotency?: IdempotentWrite<DatasetRecord>,
  ): Promise<DatasetRecord> {
    return this.db.transaction((tx) =>
      claimIdempotent(tx, idempotency, async () => {
        await insertDataset(tx, dataset);
        return datasetRecord(dataset);
      }),
    );
  }

  async get(tenant: string, id: string): Promise<DatasetRecord | null> {
    const [row] = await this.db.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = $1 AND tenant = $2`,
      [id, tenant],
    );
    return row ? fromDatasetRow(row) : null;
  }

  async values(id: string): Promise<DatasetValues | null> {
    return this.db.transaction((tx) => readDatasetValues(tx, id), { readOnlySnapshot: true });
  }

  async list(tenant: string, options: ListOptions): Promise<Page<DatasetRecord>> {
    const rows = await this.db.query<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE tenant = $1 AND seq < $2
        ORDER BY seq DESC LIMIT $3`,
      [tenant, options.beforeSeq ?? Number.MAX_SAFE_INTEGER, options.limit + 1],
    );
    return toPage(rows, options.limit, fromDatasetRow);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      // The row lock makes a job being created for this dataset (which locks it FOR SHARE)
      // either commit first, and be seen below, or find the dataset gone.
      const [found] = await tx.query(
        'SELECT id FROM datasets WHERE id = $1 AND tenant = $2 FOR UPDATE',
        [id, tenant],
      );
      if (!found) return false;
      const [user] = await tx.query<{ id: string }>(
        `SELECT id FROM jobs WHERE dataset_id = $1 AND status IN ('queued', 'running') LIMIT 1`,
        [id],
      );
      if (user)
        throw new DatasetInUseError(
          `dataset ${id} is used by job ${user.id}, which is queued or running`,
        );
      return (await tx.execute('DELETE FROM datasets WHERE id = $1', [id])) > 0;
    });
  }
}

/** Inserts inside a caller's transaction (a job's inline dataset). */
export async function insertDataset(tx: Transaction, dataset: NewDataset): Promise<void> {
  await tx.execute(
    `INSERT INTO datasets
       (id, tenant, name, rows, input_size, target_size, inputs, targets, sha256, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      dataset.id,
      dataset.tenant,
      dataset.name,
      dataset.rows,
      dataset.inputSize,
      dataset.targetSize,
      float64ToBuffer(dataset.inputs),
      float64ToBuffer(dataset.targets),
      dataset.sha256,
      dataset.createdAt,
    ],
  );
}

/** Keeps a stored dataset from being deleted until the caller's transaction ends. */
export async function lockDatasetForUse(tx: Transaction, id: string): Promise<void> {
  const [found] = await tx.query('SELECT id FROM datasets WHERE id = $1 FOR SHARE', [id]);
  if (!found) {
    throw new NotFoundError(`dataset ${id} not found`, {
      errors: [{ path: 'dataset.id', message: 'no such dataset' }],
    });
  }
}

export async function readDatasetValues(
  tx: Transaction,
  id: string,
): Promise<DatasetValues | null> {
  const inputs = await readBlob(tx, { table: 'datasets', column: 'inputs', key: 'id' }, id);
  const targets = await readBlob(tx, { table: 'datasets', column: 'targets', key: 'id' }, id);
  if (!inputs || !targets) return null;
  return { inputs: bufferToFloat64(inputs), targets: bufferToFloat64(targets) };
}
