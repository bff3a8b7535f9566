import { ValidationError } from '../errors.js';

/** Cursors are opaque to clients: a versioned, base64url-encoded sequence number. */
export function encodeCursor(seq: number | null): string | null {
  return seq === null ? null : Buffer.from(`c1:${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^c1:(\d{1,15})$/.exec(text);
  if (!match)
    throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this service issued' }]);
  return Number(match[1]);
}
