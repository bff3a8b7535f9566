import pg from 'pg';
import type { Logger } from '../../logger.js';
import { ServiceUnavailableError, toError } from '../../errors.js';
import type { StoreNotification } from '../store.js';

/** How the store reaches PostgreSQL; see README "Scaling out" for the defaults and why. */
export interface PostgresOptions {
  readonly url: string;
  /** Connections this process may hold for queries (the LISTEN connection is extra). */
  readonly poolSize: number;
  /** A statement running longer than this is cancelled by the server. */
  readonly statementTimeoutMs: number;
  /** Giving up on opening a connection (or waiting for a free one) after this long. */
  readonly connectTimeoutMs: number;
}

/** The channel every replica LISTENs on. */
export const NOTIFY_CHANNEL = 'chainrule';

const INT8 = 20;
const TIMESTAMPTZ = 1184;
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date;

/**
 * Values as the records expose them: BIGINT (seq, lease times in ms, counts) as numbers, which
 * stay exact below 2^53, and TIMESTAMPTZ as ISO strings like the ones the service writes.
 */
export const POSTGRES_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (format === undefined || format === 'text') {
      if (oid === INT8) return (text: string) => Number(text);
      if (oid === TIMESTAMPTZ) return (text: string) => parseTimestamp(text).toISOString();
    }
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Connection settings shared by the pool, the listener and the migration runner. */
export function connectionConfig(options: PostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // A peer that vanished without closing the socket (a cut network) is noticed by TCP keepalive.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'chainrule',
    types: POSTGRES_TYPES,
  };
}

/** What a statement inside a transaction can do. */
export interface Transaction {
  query<Row>(text: string, values?: unknown[]): Promise<Row[]>;
  /** Rows changed by an UPDATE or DELETE. */
  execute(text: string, values?: unknown[]): Promise<number>;
  /** Sends `notification` to every replica if, and only if, this transaction commits. */
  notify(notification: StoreNotification): void;
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization failure, deadlock detected
const MAX_TRIES = 3;

/**
 * The pool and the one way writes use it: a function run inside BEGIN … COMMIT on one
 * connection, rolled back if it throws, retried from the start after a deadlock.
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;

  constructor(
    readonly options: PostgresOptions,
    logger: Logger,
  ) {
    this.pool = new pg.Pool({
      ...connectionConfig(options),
      max: options.poolSize,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs,
      // A transaction left open by a bug would hold row locks and block every claim.
      idle_in_transaction_session_timeout: Math.max(options.statementTimeoutMs, 10_000),
    });
    // An idle connection that breaks (the server restarted) is dropped from the pool; the next
    // query opens a new one. Without this listener the error would crash the process.
    this.pool.on('error', (error) =>
      logger.warn({ err: error }, 'idle PostgreSQL connection lost'),
    );
  }

  async query<Row>(text: string, values?: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query(text, values)).rows as Row[];
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  async transaction<T>(
    work: (tx: Transaction) => Promise<T>,
    options: { readOnlySnapshot?: boolean } = {},
  ): Promise<T> {
    try {
      return await this.runTransaction(work, options);
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  private async runTransaction<T>(
    work: (tx: Transaction) => Promise<T>,
    options: { readOnlySnapshot?: boolean },
  ): Promise<T> {
    for (let tried = 1; ; tried++) {
      const client = await this.pool.connect();
      const notifications: string[] = [];
      let broken: Error | undefined;
      // The pool listens for errors only on idle connections. A connection lost while checked
      // out emits 'error' too (besides failing the query in flight), and unheard it would crash
      // the process; heard, it marks the connection broken so that release destroys it.
      const onLost = (error: Error) => {
        broken = error;
      };
      client.on('error', onLost);
      try {
        await client.query(
          options.readOnlySnapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN',
        );
        const result = await work({
          query: async (text, values) => (await client.query(text, values)).rows,
          execute: async (text, values) => (await client.query(text, values)).rowCount ?? 0,
          notify: (notification) => void notifications.push(JSON.stringify(notification)),
        });
        // The notifications travel with the COMMIT, in one round trip (the simple-query protocol
        // takes several statements but no parameters, hence the escaped literals). PostgreSQL
        // serialises the commits of notifying transactions, which bounds how many writes per
        // second one database takes: far above what training jobs produce (a few per second each).
        const channel = client.escapeLiteral(NOTIFY_CHANNEL);
        const notify = notifications.map(
          (payload) => `SELECT pg_notify(${channel}, ${client.escapeLiteral(payload)});`,
        );
        await client.query(`${notify.join(' ')} COMMIT`);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = toError(rollbackError);
        });
        const code = (error as { code?: string }).code;
        if (code && RETRYABLE.has(code) && tried < MAX_TRIES) continue;
        throw error;
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: destroy it.
        client.removeListener('error', onLost);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Node socket errors that mean the server cannot be reached. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** SQLSTATEs of a server that is shutting down, starting, full, or too slow to answer in time. */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/**
 * A lost or refused connection (or a statement cancelled by the timeout) becomes a 503
 * SERVICE_UNAVAILABLE that clients may retry, instead of an unexplained 500. Anything else,
 * a constraint violation say, is a bug or a conflict and passes through unchanged.
 */
function asUnavailable(thrown: unknown): unknown {
  const error = toError(thrown);
  const code = (error as { code?: string }).code ?? '';
  const lost =
    UNREACHABLE.has(code) ||
    UNAVAILABLE.has(code) ||
    code.startsWith('08') ||
    /^Connection terminated|timeout exceeded when trying to connect|is not queryable/.test(
      error.message,
    );
  if (!lost) return thrown;
  return new ServiceUnavailableError('the database does not answer; retry shortly', {
    cause: error,
    headers: { 'retry-after': '5' },
  });
}

/** Bytes per slice when reading a BYTEA value: 8 MiB arrive as a 16 MiB hex string. */
const SLICE_BYTES = 8 * 1024 * 1024;

/** Where a blob lives: table, column and key column are fixed names, never user input. */
export type BlobColumn =
  | { table: 'datasets'; column: 'inputs' | 'targets'; key: 'id' }
  | { table: 'jobs'; column: 'model' | 'initial_model'; key: 'id' }
  | { table: 'job_checkpoints'; column: 'state'; key: 'job_id' };

/**
 * Reads a BYTEA value, in slices when it is large. The pg client receives bytea as hex text, and
 * one JavaScript string cannot hold much more than 512 MB, so a dataset near MAX_DATASET_BYTES
 * could not be read in one piece. Callers read inside a transaction whose snapshot keeps the
 * slices consistent. Null when the row or the value is missing.
 */
export async function readBlob(
  tx: Transaction,
  where: BlobColumn,
  key: string,
): Promise<Buffer | null> {
  const { table, column, key: keyColumn } = where;
  const [head] = await tx.query<{ length: number | null; bytes: Buffer | null }>(
    `SELECT octet_length(${column}) AS length,
            CASE WHEN octet_length(${column}) <= $2 THEN ${column} END AS bytes
       FROM ${table} WHERE ${keyColumn} = $1`,
    [key, SLICE_BYTES],
  );
  if (!head || head.length === null) return null;
  if (head.bytes) return head.bytes;

  const bytes = Buffer.allocUnsafe(head.length);
  for (let offset = 0; offset < head.length; offset += SLICE_BYTES) {
    const [slice] = await tx.query<{ bytes: Buffer }>(
      `SELECT substring(${column} FROM $2 FOR $3) AS bytes FROM ${table} WHERE ${keyColumn} = $1`,
      [key, offset + 1, SLICE_BYTES],
    );
    slice.bytes.copy(bytes, offset);
  }
  return bytes;
}
