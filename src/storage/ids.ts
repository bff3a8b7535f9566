import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** An opaque id with a readable prefix: `job_` and 20 random base32 characters (100 bits). */
export function newId(prefix: 'ds' | 'net' | 'job'): string {
  const bytes = randomBytes(20);
  let text = '';
  for (const byte of bytes) text += ALPHABET[byte & 31];
  return `${prefix}_${text}`;
}

/** True for strings shaped like an id of that prefix: rejects path tricks before any lookup. */
export function isWellFormedId(prefix: 'ds' | 'net' | 'job', value: string): boolean {
  return ID_PATTERNS[prefix].test(value);
}

const ID_PATTERNS = {
  ds: /^ds_[0-9a-z]{20}$/,
  net: /^net_[0-9a-z]{20}$/,
  job: /^job_[0-9a-z]{20}$/,
};
