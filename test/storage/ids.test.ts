import { describe, expect, it } from 'vitest';
import { isWellFormedId, newId } from '../../src/storage/ids.js';

describe('newId', () => {
  it('gives well-formed ids that do not repeat, across refills of its random pool', () => {
    const ids = Array.from({ length: 5000 }, () => newId('job'));

    expect(ids.every((id) => isWellFormedId('job', id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses the whole base32 alphabet evenly', () => {
    const counts = new Map<string, number>();
    for (let index = 0; index < 2000; index++) {
      for (const character of newId('ds').slice(3)) {
        counts.set(character, (counts.get(character) ?? 0) + 1);
      }
    }

    // 40,000 characters over 32 symbols: 1,250 each on average.
    expect(counts.size).toBe(32);
    for (const count of counts.values()) expect(count).toBeGreaterThan(1000);
  });
});
