import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** The store the configuration names, migrated and ready. */
export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.database.kind === 'postgres') {
    return PostgresStore.open({ url: config.database.url, ...config.postgres }, logger);
  }
  const store = SqliteStore.open(config.database.path);
  await store.checkpointInBackground(logger);
  return store;
}
