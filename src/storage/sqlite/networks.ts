import type { NetworkDefinition } from '../../engine/index.js';
import type { NetworkRecord, Page } from '../records.js';
import type { IdempotentWrite, ListOptions, NetworkStore } from '../store.js';
import { toPage } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import type { SqliteIdempotency } from './idempotency.js';

interface NetworkRow {
  seq: number;
  id: string;
  tenant: string;
  definition: string;
  parameter_count: number;
  created_at: string;
}

export class SqliteNetworks implements NetworkStore {
  private readonly insert;
  private readonly byId;
  private readonly page;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly idempotency: SqliteIdempotency,
  ) {
    this.insert = db.prepare(
      `INSERT INTO networks (id, tenant, definition, parameter_count, created_at)
       VALUES (@id, @tenant, @definition, @parameterCount, @createdAt)`,
    );
    this.byId = db.prepare<{ tenant: string; id: string }, NetworkRow>(
      'SELECT * FROM networks WHERE id = @id AND tenant = @tenant',
    );
    this.page = db.prepare<{ tenant: string; before: number; limit: number }, NetworkRow>(
      `SELECT * FROM networks WHERE tenant = @tenant AND seq < @before
        ORDER BY seq DESC LIMIT @limit`,
    );
  }

  async create(
    network: NetworkRecord,
    idempotency?: IdempotentWrite<NetworkRecord>,
  ): Promise<NetworkRecord> {
    return this.db
      .transaction(() =>
        this.idempotency.claimSync(idempotency, () => {
          this.insert.run({ ...network, definition: JSON.stringify(network.definition) });
          return network;
        }),
      )
      .immediate();
  }

  async get(tenant: string, id: string): Promise<NetworkRecord | null> {
    const row = this.byId.get({ tenant, id });
    return row ? fromRow(row) : null;
  }

  async list(tenant: string, options: ListOptions): Promise<Page<NetworkRecord>> {
    const rows = this.page.all({
      tenant,
      before: options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
      limit: options.limit + 1,
    });
    return toPage(rows, options.limit, fromRow);
  }
}

function fromRow(row: NetworkRow): NetworkRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    definition: JSON.parse(row.definition) as NetworkDefinition,
    parameterCount: row.parameter_count,
    createdAt: row.created_at,
  };
}
