import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SqliteDatabase } from './database.js';

/** The first copy of the wal-index header (https://www.sqlite.org/walformat.html). */
const HEADER_BYTES = 48;

/**
 * The read-only descriptors of `-shm` files, one per file and process, shared by its stamps.
 * Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
 * shared-memory locks included: while one of its connections is open, another process would
 * then take the wal-index for abandoned and rebuild it under that connection. So a descriptor
 * is closed only when the last stamp on its file closes, after the store's connection did.
 */
const descriptors = new Map<string, { fd: number; users: number }>();

/**
 * Tells whether anything was committed to a WAL-mode SQLite file since the last look, by this
 * process or any other, in one read of 48 bytes and without a lock.
 *
 * Every commit rewrites the header at the start of the `-shm` file (its change counter, last
 * frame and checksums move), and a reader takes its snapshot from that header: once the new
 * header can be read, the commit is visible. The header's first copy is written last, so a read
 * that overlaps a commit sees bytes that match neither header and counts as a change, which
 * only costs a rebuilt answer. Checkpoints do not touch it.
 *
 * `PRAGMA data_version` asks the same question through a read transaction, whose shared-memory
 * lock and unlock are two fcntl calls: on the poll path they cost more than the rest of the
 * stamp and, with training threads busy, a quarter of the main thread's time per poll.
 */
export class WalIndexStamp {
  private current = Buffer.alloc(HEADER_BYTES);
  private next = Buffer.alloc(HEADER_BYTES);
  private version = 0;
  private text = '0';

  private constructor(
    private readonly path: string,
    private fd: number | null,
  ) {
    this.read();
  }

  /** A stamp over `db`'s wal-index, or null when it has none (in memory, or not in WAL mode). */
  static open(db: SqliteDatabase): WalIndexStamp | null {
    if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return null;
    // A read transaction maps the file if no connection has yet. It exists while a connection
    // is open, and ours stays open: no other process can delete it under us.
    db.pragma('schema_version');
    const path = resolve(`${db.name}-shm`);
    let descriptor = descriptors.get(path);
    if (!descriptor) {
      try {
        descriptor = { fd: openSync(path, 'r'), users: 0 };
      } catch {
        return null;
      }
      descriptors.set(path, descriptor);
    }
    descriptor.users++;
    return new WalIndexStamp(path, descriptor.fd);
  }

  /** A value that differs after every commit since the previous call that returned another. */
  read(): string {
    if (this.fd === null) throw new Error('the wal-index stamp is closed');
    const bytesRead = readSync(this.fd, this.next, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || !this.next.equals(this.current)) {
      [this.current, this.next] = [this.next, this.current];
      this.version++;
      this.text = String(this.version);
    }
    return this.text;
  }

  /** Call after closing the connection (see `descriptors`). */
  close(): void {
    if (this.fd === null) return;
    this.fd = null;
    const descriptor = descriptors.get(this.path)!;
    if (--descriptor.users > 0) return;
    descriptors.delete(this.path);
    closeSync(descriptor.fd);
  }
}
