import { Piscina } from 'piscina';
import { threadEntry } from '../../thread-entry.js';
import type { CheckpointResult, CheckpointTask } from './checkpoint-thread.js';
import type { SqliteDatabase } from './database.js';

/** How often the thread copies committed pages from the log into the database file. */
const CHECKPOINT_EVERY_MS = 100;

/** SQLite's own default: the main connection checkpoints a log past this many pages itself. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/** The main connection's backstop while the thread runs: a log this long means it fell behind. */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Moves WAL checkpoints off the main thread. By default SQLite checkpoints inside the commit
 * that grows the log past 1,000 pages, with two fsyncs: a stall of several milliseconds on the
 * main thread, in the middle of whichever request or job end made that commit. Here a thread
 * with its own connection checkpoints every 100 ms instead; SQLite lets a checkpoint run beside
 * the writer, and the main thread keeps every write of a row. Should a checkpoint fail, the main
 * connection checkpoints by itself again, as SQLite does by default.
 */
export class WalCheckpointer {
  private readonly pool: Piscina;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private stopped = false;

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly onFailure: (error: Error) => void,
  ) {
    const entry = threadEntry(import.meta.url, './checkpoint-thread');
    this.pool = new Piscina({
      filename: entry.filename,
      execArgv: entry.execArgv,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    this.timer = setInterval(() => void this.checkpoint(), CHECKPOINT_EVERY_MS).unref();
  }

  /** Starts checkpointing `db` on a thread once a first checkpoint there has worked. */
  static async start(
    db: SqliteDatabase,
    onFailure: (error: Error) => void,
  ): Promise<WalCheckpointer | null> {
    if (db.memory) return null;
    const checkpointer = new WalCheckpointer(db, onFailure);
    await checkpointer.checkpoint();
    if (checkpointer.stopped) return null;
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    return checkpointer;
  }

  /** Ends the thread (after a checkpoint in progress) and gives the main connection its default. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.pool.run({ type: 'close' } satisfies CheckpointTask).catch(() => undefined);
    await this.pool.destroy();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }

  private checkpoint(): Promise<void> {
    // A checkpoint still running (a slow disk) is not queued behind: the next tick tries again.
    this.running ??= this.pool
      .run({ type: 'checkpoint', path: this.db.name } satisfies CheckpointTask)
      .then(async (result: CheckpointResult) => {
        // SQLITE_BUSY: another checkpoint is running (the main connection's backstop).
        if (result.ok || result.code === 'SQLITE_BUSY') return;
        await this.giveUp(new Error(`${result.code}: ${result.message}`));
      })
      .catch((error: unknown) => this.giveUp(asError(error)))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async giveUp(error: Error): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    this.onFailure(error);
    await this.pool.destroy();
  }
}

/** A thread that died: its error arrives as an Error of this realm, not always of this context. */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const message = (thrown as { message?: unknown } | null)?.message;
  return new Error(typeof message === 'string' ? message : String(thrown), { cause: thrown });
}
