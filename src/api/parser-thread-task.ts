import { move, transferableSymbol, valueSymbol } from 'piscina';
import { ValidationError, type FieldProblem } from '../errors.js';
import { parseCsvDataset, type CsvOptions } from './csv.js';
import { parseJsonText } from './json-text.js';
import { packMatrices, type PackedJson } from './packed-matrices.js';

/** A large body for the parser thread: JSON bytes, or CSV text and the route's options. */
export type ParseTask =
  | { readonly kind: 'json'; readonly bytes: Uint8Array }
  | { readonly kind: 'csv'; readonly text: string; readonly options: CsvOptions };

/** Its answer: the value with its matrices packed, or why the body is refused. */
export type ParsedOffThread =
  | { readonly ok: true; readonly packed: PackedJson }
  | { readonly ok: false; readonly message: string; readonly problems?: FieldProblem[] };

/**
 * Runs on the parser thread (see ParserThread): parses one large body and hands back its
 * matrices packed, their numbers transferred rather than copied.
 */
export default function parseBody(task: ParseTask): ParsedOffThread {
  let packed: PackedJson;
  try {
    // Decoded as the HTTP thread decodes small bodies (TextDecoder would drop a byte order mark).
    const value =
      task.kind === 'json'
        ? parseJsonText(
            Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.length).toString(
              'utf8',
            ),
          )
        : parseCsvDataset(task.text, task.options);
    packed = packMatrices(value);
  } catch (error) {
    // Errors lose their class and properties between threads: the caller rebuilds them.
    const problems = error instanceof ValidationError ? [...(error.errors ?? [])] : undefined;
    return { ok: false, message: (error as Error).message, problems };
  }
  const answer: ParsedOffThread = { ok: true, packed };
  // Piscina hands the value over with the numbers' buffer in the transfer list.
  return move({
    [transferableSymbol]: [packed.numbers.buffer],
    [valueSymbol]: answer,
  }) as unknown as ParsedOffThread;
}
