import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../../src/storage/store.js';
import { createTestDatabase } from './postgres-cluster.js';

/** A fresh, empty store, and more connections to the same data as other processes would open. */
export interface OpenedStore {
  readonly store: Store;
  /** Another store on the same database: what a second replica sees. */
  openAnother(): Promise<Store>;
  /** Closes every store opened here and removes the data. */
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  readonly name: 'sqlite' | 'postgres';
  /** False where the backend cannot run (no PostgreSQL installed): its suite is skipped. */
  readonly available: boolean;
  open(): Promise<OpenedStore>;
}

const logger = createLogger('silent');

/** SQLite in a temp file, so that a second connection (another process) can open it. */
export const sqliteBackend: StoreBackend = {
  name: 'sqlite',
  available: true,
  async open() {
    const directory = mkdtempSync(join(tmpdir(), 'chainrule-store-'));
    const path = join(directory, 'chainrule.db');
    const stores: Store[] = [SqliteStore.open(path)];
    return {
      store: stores[0],
      async openAnother() {
        stores.push(SqliteStore.open(path));
        return stores[stores.length - 1];
      },
      async cleanup() {
        for (const store of stores) await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  },
};

/** The PostgreSQL connection settings the service would use by default. */
export function postgresOptions(url: string) {
  return { url, ...loadConfig({}).postgres };
}

/**
 * PostgreSQL: one database per test file on the run's throwaway server, emptied for every
 * `open()`. Must be created at the top level of a test file (it registers the database's drop).
 */
export function postgresBackend(): StoreBackend {
  const adminUrl = inject('postgresAdminUrl');
  let database: Promise<{ url: string; drop(): Promise<void> }> | null = null;
  afterAll(async () => {
    if (database) await (await database).drop();
  });
  return {
    name: 'postgres',
    available: adminUrl !== null,
    async open() {
      database ??= createTestDatabase(adminUrl!);
      const { url } = await database;
      const stores: PostgresStore[] = [await PostgresStore.open(postgresOptions(url), logger)];
      await stores[0].db
        .query(`TRUNCATE datasets, networks, jobs, job_history, job_checkpoints, idempotency_keys,
        job_attempts RESTART IDENTITY`);
      return {
        store: stores[0],
        async openAnother() {
          stores.push(await PostgresStore.open(postgresOptions(url), logger));
          return stores[stores.length - 1];
        },
        async cleanup() {
          for (const store of stores) await store.close();
        },
      };
    },
  };
}
