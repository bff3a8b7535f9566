import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { TurnStamp } from '../../src/storage/sqlite/turn-stamp.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('a stamp read once per turn', () => {
  it('reads once per turn of the event loop', async () => {
    let reads = 0;
    const stamp = new TurnStamp(() => String(++reads));
    expect([stamp.read(), stamp.read(), stamp.read()]).toEqual(['1', '1', '1']);
    await Promise.resolve();
    expect(stamp.read()).toBe('1');

    await nextTurn();
    expect([stamp.read(), stamp.read()]).toEqual(['2', '2']);
    await nextTurn();
    await nextTurn();
    expect(stamp.read()).toBe('3');
  });
});

describe("the SQLite store's change stamp", () => {
  let directory: string;
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function openTwo(): [SqliteStore, SqliteStore] {
    directory = mkdtempSync(join(tmpdir(), 'chainrule-turn-stamp-'));
    const file = join(directory, 'chainrule.db');
    stores.push(SqliteStore.open(file), SqliteStore.open(file));
    stores[0].db.exec('CREATE TABLE notes (text TEXT)');
    return [stores[0], stores[1]];
  }
  const note = (store: SqliteStore, text: string) =>
    store.db.prepare('INSERT INTO notes VALUES (?)').run(text);

  it('moves by the next turn after a commit of its own connection or of another', async () => {
    const [here, there] = openTwo();
    const start = here.changeStamp();
    note(here, 'a');
    await nextTurn();
    const afterOwn = here.changeStamp();
    expect(afterOwn).not.toBe(start);

    note(there, 'b');
    await nextTurn();
    const afterOther = here.changeStamp();
    expect(afterOther).not.toBe(afterOwn);

    // Reads alone, by either connection, move nothing.
    there.db.prepare('SELECT count(*) FROM notes').get();
    here.db.prepare('SELECT count(*) FROM notes').get();
    await nextTurn();
    expect(here.changeStamp()).toBe(afterOther);
  });
});
