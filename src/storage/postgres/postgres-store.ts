import type { Logger } from '../../logger.js';
import { NotificationHub } from '../notification-hub.js';
import type { Store } from '../store.js';
import { PostgresDatabase, type PostgresOptions } from './database.js';
import { PostgresDatasets } from './datasets.js';
import { PostgresIdempotency } from './idempotency.js';
import { PostgresJobs } from './jobs.js';
import { PostgresListener } from './listener.js';
import { migratePostgres } from './migrate.js';
import { PostgresNetworks } from './networks.js';

/**
 * The shared store for many replicas: a connection pool for queries and transactions, plus one
 * LISTEN connection that brings every replica's notifications to this process.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly notifications = new NotificationHub(true);
  readonly datasets: PostgresDatasets;
  readonly networks: PostgresNetworks;
  readonly jobs: PostgresJobs;
  readonly idempotency: PostgresIdempotency;
  readonly listener: PostgresListener;

  private constructor(
    readonly db: PostgresDatabase,
    logger: Logger,
  ) {
    this.idempotency = new PostgresIdempotency(db);
    this.datasets = new PostgresDatasets(db);
    this.networks = new PostgresNetworks(db);
    this.jobs = new PostgresJobs(db, this.notifications.origin);
    this.listener = new PostgresListener(db.options, this.notifications, logger);
  }

  /** Migrates (one replica at a time), opens the pool and starts listening. */
  static async open(options: PostgresOptions, logger: Logger): Promise<PostgresStore> {
    await migratePostgres(options);
    const store = new PostgresStore(new PostgresDatabase(options, logger), logger);
    await store.listener.start();
    return store;
  }

  /**
   * Other replicas commit without telling this one at once, so there is no cheap stamp.
   * Limitation: nothing read from PostgreSQL is cached, so every poll reads its rows (a round
   * trip to the database each); polls on SQLite are several times cheaper.
   */
  changeStamp(): null {
    return null;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.db.close();
  }
}
