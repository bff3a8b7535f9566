import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packMatrices, unpackMatrices } from '../../src/api/packed-matrices.js';

/** A rows × cols matrix of arbitrary finite doubles, -0 included. */
const matrix = (rows: number, cols: number) =>
  fc.array(
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
      minLength: cols,
      maxLength: cols,
    }),
    {
      minLength: rows,
      maxLength: rows,
    },
  );

const largeMatrix = fc
  .tuple(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }))
  .filter(([rows, cols]) => rows * cols >= 1024)
  .chain(([rows, cols]) => matrix(rows, cols));

/** Packs a deep copy (packing changes its input) and unpacks it in small turns. */
async function roundTrip(value: unknown) {
  const packed = packMatrices(structuredClone(value));
  return { packed, unpacked: await unpackMatrices(packed, 997) };
}

describe('packed matrices', () => {
  it('give back the very value JSON.parse made, wherever its matrices were', async () => {
    const body = fc.record({
      inputs: largeMatrix,
      targets: fc.oneof(largeMatrix, matrix(3, 2)),
      nested: fc.array(fc.record({ rows: largeMatrix, label: fc.string() }), { maxLength: 2 }),
      other: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const parsed = JSON.parse(JSON.stringify(value));
        const { packed, unpacked } = await roundTrip(parsed);
        expect(unpacked).toStrictEqual(parsed);
        expect(packed.matrices.length).toBeGreaterThanOrEqual(1 + parsed.nested.length);
      }),
      { numRuns: 40 },
    );
  });

  it('pack a matrix that is the whole value, keeping -0 and every bit of each number', async () => {
    const rows = Array.from({ length: 64 }, (_, row) =>
      Array.from({ length: 32 }, (_, col) => (col === 0 ? -0 : (row * 32 + col) / 3 + 1e-300)),
    );
    const { packed, unpacked } = await roundTrip(rows);

    expect(packed.value).toBeNull();
    expect(packed.matrices).toEqual([{ path: [], rows: 64, cols: 32 }]);
    expect(unpacked).toStrictEqual(rows);
    expect(Object.is((unpacked as number[][])[5][0], -0)).toBe(true);
  });

  it('leave small, ragged and mixed arrays in the value', async () => {
    const ragged = Array.from({ length: 100 }, (_, row) =>
      Array.from({ length: 20 + (row % 2) }, () => 1),
    );
    const mixed = Array.from({ length: 100 }, () => [...Array.from({ length: 19 }, () => 1), '1']);
    const value = {
      small: [
        [1, 2],
        [3, 4],
      ],
      ragged,
      mixed,
      empty: [[]],
    };
    const { packed, unpacked } = await roundTrip(value);

    expect(packed.matrices).toEqual([]);
    expect(packed.numbers).toHaveLength(0);
    expect(unpacked).toStrictEqual(value);
  });
});
