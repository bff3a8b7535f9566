import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../src/errors.js';
import type { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { waitUntil } from '../support/server-api.js';
import { postgresBackend, type OpenedStore } from '../support/store-backends.js';

const backend = postgresBackend();

// The server ends a connection while a transaction holds it between two statements: no query
// is in flight, so the client reports the loss only as an 'error' event. Unheard, that event
// is an uncaught exception, which ends the service (and fails this run).
describe.skipIf(!backend.available)('a PostgreSQL connection lost inside a transaction', () => {
  let opened: OpenedStore;
  afterEach(async () => {
    await opened?.cleanup();
  });

  it('fails that transaction with a 503 and leaves the process and the pool working', async () => {
    opened = await backend.open();
    const store = opened.store as PostgresStore;
    const admin = (await opened.openAnother()) as PostgresStore;

    const transaction = store.db.transaction(async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.db.query('SELECT pg_terminate_backend($1)', [pid]);
      const sessions = () => admin.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      await waitUntil(async () => (await sessions()).length === 0, 'the backend is gone');
      // Let the closed socket reach the client before the next statement is sent.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return tx.query('SELECT 1');
    });

    const failure = await transaction.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(await store.db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await store.db.transaction((tx) => tx.query('SELECT 2 AS two'))).toEqual([{ two: 2 }]);
  });
});
