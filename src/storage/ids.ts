import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ID_CHARACTERS = 20;

/**
 * Random bytes drawn from the CSPRNG a few hundred ids at a time: one call per id cost more than
 * the rest of creating a job row. Each byte is used once.
 */
const pool = Buffer.alloc(ID_CHARACTERS * 256);
let poolOffset = pool.length;

/** An opaque id with a readable prefix: `job_` and 20 random base32 characters (100 bits). */
export function newId(prefix: 'ds' | 'net' | 'job'): string {
  if (poolOffset + ID_CHARACTERS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let text = '';
  for (let index = 0; index < ID_CHARACTERS; index++) {
    text += ALPHABET[pool[poolOffset + index] & 31];
  }
  poolOffset += ID_CHARACTERS;
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
