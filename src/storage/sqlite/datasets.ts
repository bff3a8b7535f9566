import { DatasetInUseError } from '../../errors.js';
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
import type { SqliteDatabase } from './database.js';
import type { SqliteIdempotency } from './idempotency.js';

export class SqliteDatasets implements DatasetStore {
  private readonly insert;
  private readonly byId;
  private readonly valuesById;
  private readonly page;
  private readonly usersOf;
  private readonly remove;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly idempotency: SqliteIdempotency,
  ) {
    this.insert = db.prepare(
      `INSERT INTO datasets
         (id, tenant, name, rows, input_size, target_size, inputs, targets, sha256, created_at)
       VALUES (@id, @tenant, @name, @rows, @inputSize, @targetSize, @inputs, @targets, @sha256,
         @createdAt)`,
    );
    this.byId = db.prepare<{ tenant: string; id: string }, DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE id = @id AND tenant = @tenant`,
    );
    this.valuesById = db.prepare<{ id: string }, { inputs: Buffer; targets: Buffer }>(
      'SELECT inputs, targets FROM datasets WHERE id = @id',
    );
    this.page = db.prepare<{ tenant: string; before: number; limit: number }, DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets WHERE tenant = @tenant AND seq < @before
        ORDER BY seq DESC LIMIT @limit`,
    );
    this.usersOf = db.prepare<{ id: string }, { id: string }>(
      `SELECT id FROM jobs WHERE dataset_id = @id AND status IN ('queued', 'running') LIMIT 1`,
    );
    this.remove = db.prepare('DELETE FROM datasets WHERE id = @id AND tenant = @tenant');
  }

  async create(
    dataset: NewDataset,
    idempotency?: IdempotentWrite<DatasetRecord>,
  ): Promise<DatasetRecord> {
    return this.db
      .transaction(() =>
        this.idempotency.claimSync(idempotency, () => {
          this.insertSync(dataset);
          return datasetRecord(dataset);
        }),
      )
      .immediate();
  }

  /** Inserts inside a caller's transaction (a job's inline dataset). */
  insertSync(dataset: NewDataset): void {
    this.insert.run({
      ...datasetRecord(dataset),
      inputs: float64ToBuffer(dataset.inputs),
      targets: float64ToBuffer(dataset.targets),
    });
  }

  async get(tenant: string, id: string): Promise<DatasetRecord | null> {
    const row = this.byId.get({ tenant, id });
    return row ? fromDatasetRow(row) : null;
  }

  async values(id: string): Promise<DatasetValues | null> {
    const row = this.valuesById.get({ id });
    return row
      ? { inputs: bufferToFloat64(row.inputs), targets: bufferToFloat64(row.targets) }
      : null;
  }

  async list(tenant: string, options: ListOptions): Promise<Page<DatasetRecord>> {
    const rows = this.page.all({
      tenant,
      before: options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      limit: options.limit + 1,
    });
    return toPage(rows, options.limit, fromDatasetRow);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    return this.db
      .transaction(() => {
        if (!this.byId.get({ tenant, id })) return false;
        const user = this.usersOf.get({ id });
        if (user) {
          throw new DatasetInUseError(
            `dataset ${id} is used by job ${user.id}, which is queued or running`,
          );
        }
        return this.remove.run({ tenant, id }).changes > 0;
      })
      .immediate();
  }
}
