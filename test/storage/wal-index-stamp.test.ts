import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { WalIndexStamp } from '../../src/storage/sqlite/wal-index-stamp.js';

let directory: string;
let db: SqliteDatabase;
let other: SqliteDatabase;
let stamp: WalIndexStamp;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chainrule-stamp-'));
  db = openSqlite(join(directory, 'chainrule.db'));
  db.exec('CREATE TABLE notes (text TEXT)');
  // Another process on the same file, as far as SQLite can tell: a connection of its own.
  other = new Database(join(directory, 'chainrule.db'));
  stamp = WalIndexStamp.open(db)!;
});
afterEach(() => {
  other.close();
  db.close();
  stamp.close();
  rmSync(directory, { recursive: true, force: true });
});

const insert = (connection: SqliteDatabase) =>
  connection.prepare("INSERT INTO notes VALUES ('x')").run();
const count = (connection: SqliteDatabase) =>
  connection.prepare('SELECT count(*) FROM notes').pluck().get();

describe('the wal-index stamp', () => {
  it('moves after every commit, by this connection or another, and only then', () => {
    const seen = new Set([stamp.read()]);
    let expected = stamp.read();
    // 40 steps of reads and commits from either connection, in a fixed pseudo-random order.
    for (let step = 0; step < 40; step++) {
      const action = (step * 7919) % 5;
      if (action === 0) insert(db);
      if (action === 1) insert(other);
      if (action === 2) count(db);
      if (action === 3) count(other);
      if (action === 4) db.transaction(() => [insert(db), insert(db)])();

      const now = stamp.read();
      if (action === 2 || action === 3) {
        expect(now, `step ${step}: a read`).toBe(expected);
      } else {
        expect(seen.has(now), `step ${step}: a commit`).toBe(false);
        seen.add(now);
      }
      expected = now;
    }
  });

  it('stays put through a checkpoint, which copies pages but changes no data', () => {
    insert(other);
    const before = stamp.read();
    const result = other.pragma('wal_checkpoint(PASSIVE)', { simple: false }) as {
      busy: number;
      checkpointed: number;
    }[];
    expect(result[0]).toMatchObject({ busy: 0 });
    expect(result[0].checkpointed).toBeGreaterThan(0);
    expect(stamp.read()).toBe(before);
  });

  it('keeps the file open while another stamp on it is open', () => {
    // Two stores of one process on the same file: closing the first one's descriptor would
    // drop the process's locks on the wal-index, which the second connection still holds.
    const second = WalIndexStamp.open(other)!;
    const before = second.read();
    stamp.close();
    insert(other);
    expect(second.read()).not.toBe(before);
    second.close();
    expect(() => second.read()).toThrow(/closed/);
    stamp = WalIndexStamp.open(db)!;
  });

  it('is not offered for a database without a wal-index', () => {
    const memory = openSqlite(':memory:');
    expect(WalIndexStamp.open(memory)).toBeNull();
    memory.close();

    const rollback = new Database(join(directory, 'rollback.db'));
    rollback.pragma('journal_mode = DELETE');
    expect(WalIndexStamp.open(rollback)).toBeNull();
    rollback.close();
  });
});
