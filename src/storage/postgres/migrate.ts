import pg from 'pg';
import { loadMigrations } from '../migrations.js';
import { connectionConfig, type PostgresOptions } from './database.js';

/** The advisory lock that lets one replica at a time migrate: ('CHNR', 1). */
const MIGRATION_LOCK = [0x43484e52, 1] as const;

/**
 * Applies each migration not yet recorded, each in its own transaction together with its
 * record. Replicas starting at once queue on a session advisory lock, so exactly one applies a
 * migration and the others find it recorded. Runs on its own connection without a statement
 * timeout: waiting for that lock, or migrating a large table, may take longer than a query.
 */
export async function migratePostgres(options: PostgresOptions): Promise<number[]> {
  const client = new pg.Client(connectionConfig(options));
  // A connection lost midway fails the statement in flight, which ends the start; the 'error'
  // event it also emits must not crash the process besides.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations',
    );
    const applied = new Set(rows.map((row) => row.version));

    const newlyApplied: number[] = [];
    for (const migration of loadMigrations('postgres')) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())',
          [migration.version, migration.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  } finally {
    // Ending the session releases the advisory lock too, even if the unlock was never reached.
    await client.end();
  }
}
