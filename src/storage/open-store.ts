import type { Config } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The store the configuration names, migrated and ready. */
export async function openStore(config: Config): Promise<Store> {
  if (config.database.kind === 'postgres') {
    throw new Error('PostgreSQL support is not built yet: unset DATABASE_URL to use SQLite');
  }
  return SqliteStore.open(config.database.path);
}
