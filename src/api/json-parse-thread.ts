import { move, transferableSymbol, valueSymbol } from 'piscina';
import { parseJsonText } from './json-text.js';
import { packMatrices, type PackedJson } from './packed-matrices.js';

/** The parser thread's answer: the packed value, or why the text is not acceptable JSON. */
export type ParsedOffThread = { ok: true; packed: PackedJson } | { ok: false; message: string };

/**
 * Runs on the parser thread (see OffThreadJsonParser): decodes and parses one large body and
 * hands back its matrices packed, their numbers transferred rather than copied.
 */
export default function parseJsonBody(bytes: Uint8Array): ParsedOffThread {
  let packed: PackedJson;
  try {
    packed = packMatrices(parseJsonText(new TextDecoder().decode(bytes)));
  } catch (error) {
    // Errors lose their properties between threads: the message is all the caller needs.
    return { ok: false, message: (error as Error).message };
  }
  const answer: ParsedOffThread = { ok: true, packed };
  // Piscina hands the value over with the numbers' buffer in the transfer list.
  return move({
    [transferableSymbol]: [packed.numbers.buffer],
    [valueSymbol]: answer,
  }) as unknown as ParsedOffThread;
}
