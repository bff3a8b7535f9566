import type { IdempotencyRecord, IdempotencyStore, IdempotentWrite } from '../store.js';
import { IdempotencyKeyUsedError } from '../store.js';
import type { PostgresDatabase, Transaction } from './database.js';

interface IdempotencyRow {
  request_hash: string;
  status_code: number;
  response_body: string;
  location: string | null;
}

const FIND = `SELECT request_hash, status_code, response_body, location FROM idempotency_keys
  WHERE tenant = $1 AND scope = $2 AND key = $3`;

/** Idempotency-Key records, written in the same transaction as the resource they answer for. */
export class PostgresIdempotency implements IdempotencyStore {
  constructor(private readonly db: PostgresDatabase) {}

  async find(tenant: string, scope: string, key: string): Promise<IdempotencyRecord | null> {
    const [row] = await this.db.query<IdempotencyRow>(FIND, [tenant, scope, key]);
    return row ? fromRow(row) : null;
  }

  async prune(before: string): Promise<number> {
    return this.db.transaction((tx) =>
      tx.execute('DELETE FROM idempotency_keys WHERE created_at < $1', [before]),
    );
  }
}

/**
 * Inside a creating transaction: throws if the key exists, else creates and records the
 * response. Two requests with one key racing on two replicas both get past the first check; the
 * second one's insert then waits for the first to commit, finds the key taken, and throws, so
 * its resource is rolled back and it replays the first response.
 */
export async function claimIdempotent<T>(
  tx: Transaction,
  write: IdempotentWrite<T> | undefined,
  create: () => Promise<T>,
): Promise<T> {
  if (!write) return create();
  const existing = await findIn(tx, write);
  if (existing) throw new IdempotencyKeyUsedError(existing);

  const created = await create();
  const response = write.render(created);
  const inserted = await tx.execute(
    `INSERT INTO idempotency_keys
       (tenant, scope, key, request_hash, status_code, response_body, location, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (tenant, scope, key) DO NOTHING`,
    [
      write.tenant,
      write.scope,
      write.key,
      write.requestHash,
      response.statusCode,
      response.body,
      response.location,
    ],
  );
  if (inserted === 0) throw new IdempotencyKeyUsedError((await findIn(tx, write))!);
  return created;
}

async function findIn(
  tx: Transaction,
  write: IdempotentWrite<unknown>,
): Promise<IdempotencyRecord | null> {
  const [row] = await tx.query<IdempotencyRow>(FIND, [write.tenant, write.scope, write.key]);
  return row ? fromRow(row) : null;
}

function fromRow(row: IdempotencyRow): IdempotencyRecord {
  return {
    requestHash: row.request_hash,
    statusCode: row.status_code,
    body: row.response_body,
    location: row.location,
  };
}
