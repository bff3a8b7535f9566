import type { NetworkDefinition } from '../../engine/index.js';
import type { NetworkRecord, Page } from '../records.js';
import type { IdempotentWrite, ListOptions, NetworkStore } from '../store.js';
import type { PostgresDatabase } from './database.js';
import { toPage } from '../rows.js';
import { claimIdempotent } from './idempotency.js';

interface NetworkRow {
  seq: number;
  id: string;
  tenant: string;
  definition: NetworkDefinition;
  parameter_count: number;
  created_at: string;
}

const COLUMNS = 'seq, id, tenant, definition, parameter_count, created_at';

export class PostgresNetworks implements NetworkStore {
  constructor(private readonly db: PostgresDatabase) {}

  async create(
    network: NetworkRecord,
    idempotency?: IdempotentWrite<NetworkRecord>,
  ): Promise<NetworkRecord> {
    return this.db.transaction((tx) =>
      claimIdempotent(tx, idempotency, async () => {
        await tx.execute(
          `INSERT INTO networks (id, tenant, definition, parameter_count, created_at)
           VALUES ($1, $2, $3, $4, $5)`,
          [
            network.id,
            network.tenant,
            JSON.stringify(network.definition),
            network.parameterCount,
            network.createdAt,
          ],
        );
        return network;
      }),
    );
  }

  async get(tenant: string, id: string): Promise<NetworkRecord | null> {
    const [row] = await this.db.query<NetworkRow>(
      `SELECT ${COLUMNS} FROM networks WHERE id = $1 AND tenant = $2`,
      [id, tenant],
    );
    return row ? fromRow(row) : null;
  }

  async list(tenant: string, options: ListOptions): Promise<Page<NetworkRecord>> {
    const rows = await this.db.query<NetworkRow>(
      `SELECT ${COLUMNS} FROM networks WHERE tenant = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
      [tenant, options.beforeSeq ?? Number.MAX_SAFE_INTEGER, options.limit + 1],
    );
    return toPage(rows, options.limit, fromRow);
  }
}

function fromRow(row: NetworkRow): NetworkRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    definition: row.definition,
    parameterCount: row.parameter_count,
    createdAt: row.created_at,
  };
}
