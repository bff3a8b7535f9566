import Database from 'better-sqlite3';

/**
 * The WAL checkpoint thread's task (see wal-checkpointer.ts), run on a piscina thread of its own:
 * through a connection of this thread, copies the pages that the main thread committed to the
 * write-ahead log into the database file. It changes no row: what it writes is committed already.
 */

export type CheckpointTask =
  { readonly type: 'checkpoint'; readonly path: string } | { readonly type: 'close' };

/**
 * How a checkpoint went. SQLite's errors are a class of their own, which does not survive the
 * trip between threads: its code and message are sent as data instead.
 */
export type CheckpointResult =
  { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

let connection: Database.Database | null = null;
let checkpoint: Database.Statement | null = null;

export default function runCheckpointTask(task: CheckpointTask): CheckpointResult {
  try {
    if (task.type === 'close') close();
    else runCheckpoint(task.path);
    return { ok: true };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return {
      ok: false,
      code: typeof code === 'string' ? code : 'UNKNOWN',
      message: typeof message === 'string' ? message : String(error),
    };
  }
}

function close(): void {
  connection?.close();
  connection = checkpoint = null;
}

function runCheckpoint(path: string): void {
  if (!connection) {
    connection = new Database(path, { fileMustExist: true });
    // Syncs the log before copying it and the database file after, as the main connection would.
    connection.pragma('synchronous = NORMAL');
    // PASSIVE never waits for a lock: pages that a reader still needs are left to the next round.
    checkpoint = connection.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  }
  checkpoint!.run();
}
