import { Piscina } from 'piscina';
import { ValidationError } from '../errors.js';
import { threadEntry } from '../thread-entry.js';
import type { CsvOptions } from './csv.js';
import type { DatasetBody } from './schemas/dataset.js';
import { unpackMatrices } from './packed-matrices.js';
import type { ParsedOffThread, ParseTask } from './parser-thread-task.js';

/** Bodies from this size on are parsed on the parser thread; smaller ones cost it nothing. */
export const OFF_THREAD_BODY_BYTES = 1 << 20;

/** How long the parser thread stays after its last body before it exits. */
const IDLE_THREAD_MS = 30_000;

/**
 * Parses large bodies (a dataset in JSON or CSV, a batch to predict) on a thread of their own.
 * On the HTTP thread, parsing 37 MB of JSON stalled every other request for about half a
 * second; here the thread parses and packs the numbers (see packMatrices), and the HTTP thread
 * only rebuilds the rows, a slice per turn of the event loop. One thread, started with the first
 * large body: bodies that arrive together wait for each other rather than take more cores from
 * training.
 *
 * Known limitation: what follows parsing still runs in one piece on the HTTP thread (validation
 * with zod and the copy into Float64Arrays, under a tenth of a second for 37 MB), so a body near
 * BODY_LIMIT_MB still delays other requests by that much.
 */
export class ParserThread {
  private pool: Piscina | null = null;

  /** A JSON body's value; a body that is not acceptable JSON throws a 400 SyntaxError. */
  async parseJson(bytes: Uint8Array): Promise<unknown> {
    const parsed = await this.run({ kind: 'json', bytes });
    if (!parsed.ok) throw Object.assign(new SyntaxError(parsed.message), { statusCode: 400 });
    return unpackMatrices(parsed.packed);
  }

  /** A CSV dataset as parseCsvDataset reads it, with the same ValidationError. */
  async parseCsv(text: string, options: CsvOptions): Promise<DatasetBody> {
    const parsed = await this.run({ kind: 'csv', text, options });
    if (!parsed.ok) throw new ValidationError(parsed.problems ?? [], parsed.message);
    return (await unpackMatrices(parsed.packed)) as DatasetBody;
  }

  async close(): Promise<void> {
    const { pool } = this;
    this.pool = null;
    await pool?.destroy();
  }

  private async run(task: ParseTask): Promise<ParsedOffThread> {
    this.pool ??= createPool();
    return (await this.pool.run(task)) as ParsedOffThread;
  }
}

function createPool(): Piscina {
  const entry = threadEntry(import.meta.url, './parser-thread-task');
  return new Piscina({
    filename: entry.filename,
    execArgv: entry.execArgv,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: IDLE_THREAD_MS,
  });
}
