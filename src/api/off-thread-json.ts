import { Piscina } from 'piscina';
import { threadEntry } from '../thread-entry.js';
import type { ParsedOffThread } from './json-parse-thread.js';
import { unpackMatrices } from './packed-matrices.js';

/** Bodies from this size on are parsed on the parser thread; smaller ones cost it nothing. */
export const OFF_THREAD_JSON_BYTES = 1 << 20;

/** How long the parser thread stays after its last body before it exits. */
const IDLE_THREAD_MS = 30_000;

/**
 * Parses large JSON bodies (a dataset, a batch to predict) on a thread of their own. On the HTTP
 * thread, parsing 37 MB stalled every other request for about half a second; here the thread
 * parses and packs the numbers (see packMatrices), and the HTTP thread only rebuilds the rows,
 * a slice per turn of the event loop. One thread, started with the first large body: bodies
 * that arrive together wait for each other rather than take more cores from training.
 *
 * Known limitation: what follows parsing still runs in one piece on the HTTP thread (validation
 * with zod and the copy into Float64Arrays, under a tenth of a second for 37 MB), so a body near
 * BODY_LIMIT_MB still delays other requests by that much; and CSV bodies (routes/datasets.ts)
 * are parsed there whole, as large JSON bodies were.
 */
export class OffThreadJsonParser {
  private pool: Piscina | null = null;

  async parse(bytes: Uint8Array): Promise<unknown> {
    this.pool ??= createPool();
    const parsed = (await this.pool.run(bytes)) as ParsedOffThread;
    if (!parsed.ok) throw Object.assign(new SyntaxError(parsed.message), { statusCode: 400 });
    return unpackMatrices(parsed.packed);
  }

  async close(): Promise<void> {
    const { pool } = this;
    this.pool = null;
    await pool?.destroy();
  }
}

function createPool(): Piscina {
  const entry = threadEntry(import.meta.url, './json-parse-thread');
  return new Piscina({
    filename: entry.filename,
    execArgv: entry.execArgv,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: IDLE_THREAD_MS,
  });
}
