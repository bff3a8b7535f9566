import type { IdempotencyRecord, IdempotencyStore, IdempotentWrite } from '../store.js';
import { IdempotencyKeyUsedError } from '../store.js';
import type { SqliteDatabase } from './database.js';

interface IdempotencyRow {
  request_hash: string;
  status_code: number;
  response_body: string;
  location: string | null;
}

/** Idempotency-Key records, written in the same transaction as the resource they answer for. */
export class SqliteIdempotency implements IdempotencyStore {
  private readonly findStatement;
  private readonly insertStatement;
  private readonly pruneStatement;

  constructor(db: SqliteDatabase) {
    this.findStatement = db.prepare<{ tenant: string; scope: string; key: string }, IdempotencyRow>(
      `SELECT request_hash, status_code, response_body, location FROM idempotency_keys
        WHERE tenant = @tenant AND scope = @scope AND key = @key`,
    );
    this.insertStatement = db.prepare(
      `INSERT INTO idempotency_keys
         (tenant, scope, key, request_hash, status_code, response_body, location, created_at)
       VALUES (@tenant, @scope, @key, @requestHash, @statusCode, @body, @location, @createdAt)`,
    );
    this.pruneStatement = db.prepare('DELETE FROM idempotency_keys WHERE created_at < @before');
  }

  async find(tenant: string, scope: string, key: string): Promise<IdempotencyRecord | null> {
    return this.findSync(tenant, scope, key);
  }

  async prune(before: string): Promise<number> {
    return this.pruneStatement.run({ before }).changes;
  }

  findSync(tenant: string, scope: string, key: string): IdempotencyRecord | null {
    const row = this.findStatement.get({ tenant, scope, key });
    if (!row) return null;
    return {
      requestHash: row.request_hash,
      statusCode: row.status_code,
      body: row.response_body,
      location: row.location,
    };
  }

  /** Inside a creating transaction: throws if the key exists, else records the response. */
  claimSync<T>(write: IdempotentWrite<T> | undefined, record: () => T): T {
    if (!write) return record();
    const existing = this.findSync(write.tenant, write.scope, write.key);
    if (existing) throw new IdempotencyKeyUsedError(existing);
    const created = record();
    const response = write.render(created);
    this.insertStatement.run({
      tenant: write.tenant,
      scope: write.scope,
      key: write.key,
      requestHash: write.requestHash,
      statusCode: response.statusCode,
      body: response.body,
      location: response.location,
      createdAt: new Date().toISOString(),
    });
    return created;
  }
}
