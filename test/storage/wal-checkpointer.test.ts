import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { WalCheckpointer } from '../../src/storage/sqlite/wal-checkpointer.js';

const PAGE_BYTES = 4096;

let directory: string;
let db: SqliteDatabase;
let failures: Error[];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chainrule-checkpoint-'));
  db = openSqlite(join(directory, 'chainrule.db'));
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  failures = [];
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Commits `pages` pages of fresh rows, one page-sized row per transaction, as a service would. */
function writePages(pages: number): void {
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  for (let page = 0; page < pages; page++) insert.run(Buffer.alloc(PAGE_BYTES - 200, page % 251));
}

const fileBytes = (suffix = '') => statSync(join(directory, `chainrule.db${suffix}`)).size;

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('WalCheckpointer', () => {
  it('copies committed pages into the database file from its own thread', async () => {
    const checkpointer = await WalCheckpointer.start(db, (error) => failures.push(error));
    expect(checkpointer).not.toBeNull();
    // The main connection itself would checkpoint only past 10,000 pages now.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);

    writePages(600);

    // 600 pages are far below either threshold of the main connection: only the thread copies.
    await until(() => fileBytes() > 600 * PAGE_BYTES);
    expect(db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(600);
    await checkpointer!.stop();
    expect(failures).toEqual([]);
  });

  it('keeps the log from growing: the main connection reuses it after checkpoints', async () => {
    const checkpointer = await WalCheckpointer.start(db, (error) => failures.push(error));

    for (let round = 0; round < 4; round++) {
      writePages(500);
      const written = (round + 1) * 500;
      await until(() => fileBytes() > written * PAGE_BYTES);
      // A pause, as between a service's bursts of writes: the checkpoint in progress completes.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    // Four rounds of 500 rows take about 3,000 pages of log: one that was never reused would
    // hold them all, one reused after the checkpoints holds a round or two's worth.
    expect(fileBytes('-wal')).toBeLessThan(2000 * PAGE_BYTES);
    await checkpointer!.stop();
    expect(failures).toEqual([]);
  });

  it('gives the main connection back its own checkpoints when stopped', async () => {
    const checkpointer = await WalCheckpointer.start(db, (error) => failures.push(error));
    await checkpointer!.stop();

    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    writePages(1100);
    // Past 1,000 pages the committing connection checkpointed by itself.
    expect(fileBytes()).toBeGreaterThan(1000 * PAGE_BYTES);
  });

  it('leaves checkpoints to the main connection when the thread cannot checkpoint', async () => {
    // The thread opens the file by its name: moved away, it is not found.
    const path = join(directory, 'chainrule.db');
    renameSync(path, `${path}.moved`);
    const checkpointer = await WalCheckpointer.start(db, (error) => failures.push(error));
    renameSync(`${path}.moved`, path);

    expect(checkpointer).toBeNull();
    expect(failures.map((error) => error.message)).toEqual([
      expect.stringMatching(/^SQLITE_CANTOPEN: /),
    ]);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('is not started for an in-memory database', async () => {
    const memory = openSqlite(':memory:');
    expect(await WalCheckpointer.start(memory, (error) => failures.push(error))).toBeNull();
    memory.close();
  });
});
