import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { loadMigrations } from '../migrations.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the SQLite file in write-ahead-log mode and applies pending
 * migrations. WAL lets readers proceed while the single writer commits; `synchronous = NORMAL`
 * is durable across process crashes in WAL mode (only an OS crash may lose the last commits).
 */
export function openSqlite(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // The service checkpoints the log on a thread of its own: see WalCheckpointer.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Another process holding the write lock (a second replica) makes us wait, not fail.
  db.pragma('busy_timeout = 5000');
  migrateSqlite(db);
  return db;
}

/** Applies each migration not yet recorded, each in its own transaction with its record. */
export function migrateSqlite(db: SqliteDatabase): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const record = db.prepare(
    `INSERT INTO schema_migrations (version, name, applied_at)
     VALUES (@version, @name, @appliedAt)`,
  );

  const newlyApplied: number[] = [];
  for (const migration of loadMigrations('sqlite')) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run({
        version: migration.version,
        name: migration.name,
        appliedAt: new Date().toISOString(),
      });
    }).immediate();
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
