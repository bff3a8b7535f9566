import type { Logger } from '../../logger.js';
import { NotificationHub } from '../notification-hub.js';
import type { Store } from '../store.js';
import { openSqlite, type SqliteDatabase } from './database.js';
import { SqliteDatasets } from './datasets.js';
import { SqliteIdempotency } from './idempotency.js';
import { SqliteJobs } from './jobs.js';
import { SqliteNetworks } from './networks.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { TurnStamp } from './turn-stamp.js';
import { WalIndexStamp } from './wal-index-stamp.js';

/** The embedded store: one better-sqlite3 connection, used only from the main thread. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly datasets: SqliteDatasets;
  readonly networks: SqliteNetworks;
  readonly jobs: SqliteJobs;
  readonly idempotency: SqliteIdempotency;
  /** In-process only: other processes on the same file learn of changes by polling. */
  readonly notifications = new NotificationHub(false);

  private readonly probe;
  private checkpointer: WalCheckpointer | null = null;
  /** Null for a database without a wal-index: changeStamp then asks SQLite. Closed last. */
  private readonly walStamp: WalIndexStamp | null;
  /** The wal-index stamp, read once per turn of the event loop (null without a wal-index). */
  private readonly turnStamp: TurnStamp | null;
  private readonly totalChanges;
  private readonly dataVersion;

  constructor(readonly db: SqliteDatabase) {
    this.probe = db.prepare('SELECT 1');
    this.totalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.walStamp = WalIndexStamp.open(db);
    const { walStamp } = this;
    this.turnStamp = walStamp ? new TurnStamp(() => walStamp.read()) : null;
    this.idempotency = new SqliteIdempotency(db);
    this.datasets = new SqliteDatasets(db, this.idempotency);
    this.networks = new SqliteNetworks(db, this.idempotency);
    this.jobs = new SqliteJobs(db, this.datasets, this.idempotency, this.notifications);
  }

  static open(path: string): SqliteStore {
    return new SqliteStore(openSqlite(path));
  }

  /**
   * The wal-index header's version (see WalIndexStamp): it moves on every commit to the file,
   * by this connection or another process, and is read once per turn of the event loop (see
   * TurnStamp). A database without one (in memory) counts the rows this connection changed and
   * SQLite's data version, which moves when another connection commits.
   */
  changeStamp(): string {
    if (this.turnStamp) return this.turnStamp.read();
    return `${this.totalChanges.get()}:${this.dataVersion.get()}`;
  }

  async ping(): Promise<void> {
    this.probe.get();
  }

  /** Moves WAL checkpoints off the main thread (see WalCheckpointer); the service calls this. */
  async checkpointInBackground(logger: Logger): Promise<void> {
    this.checkpointer ??= await WalCheckpointer.start(this.db, (error) =>
      logger.warn({ err: error }, 'WAL checkpoints are back on the main thread'),
    );
  }

  async close(): Promise<void> {
    const { checkpointer } = this;
    this.checkpointer = null;
    await checkpointer?.stop();
    if (this.db.open) this.db.close();
    // Only now: closing its file earlier would drop the connection's locks on the wal-index.
    this.walStamp?.close();
  }
}
