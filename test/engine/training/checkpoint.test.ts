import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from '../../../src/engine/index.js';
import { expectSameBlocks } from '../support/runs.js';

// Values that decimal text would not round-trip exactly, or would lose the sign of.
const awkward = Float64Array.of(0.1 + 0.2, 1 / 3, -0, 5e-324, -1.7976931348623157e308, Math.PI);

const checkpoint: TrainingCheckpoint = {
  epoch: 17,
  cost: 0.1 + 0.7,
  parameters: [awkward, Float64Array.of(1, 2, 3), new Float64Array(0)],
  optimizer: { iterations: 68, slots: [Float64Array.of(1e-300, -2), awkward.slice().reverse()] },
  random: [0x9e3779b9, -123456789, 42, 0],
  best: {
    value: 0.25,
    epoch: 15,
    cost: 0.3,
    wait: 2,
    parameters: [Float64Array.of(-0, 7), Float64Array.of(8)],
  },
  elapsedMs: 1234.5,
};

/** Compares the JSON-able fields with toEqual and every float block bit for bit. */
function expectSameCheckpoint(actual: TrainingCheckpoint, expected: TrainingCheckpoint): void {
  const headerOf = ({ parameters: _p, optimizer: _o, best: _b, ...header }: TrainingCheckpoint) =>
    header;
  expect(headerOf(actual)).toEqual(headerOf(expected));
  expectSameBlocks(actual.parameters, expected.parameters);
  expect(actual.optimizer.iterations).toBe(expected.optimizer.iterations);
  expectSameBlocks(actual.optimizer.slots, expected.optimizer.slots);

  const { parameters: bestParameters, ...bestHeader } = actual.best!;
  const { parameters: expectedBestParameters, ...expectedBestHeader } = expected.best!;
  expect(bestHeader).toEqual(expectedBestHeader);
  expectSameBlocks(bestParameters!, expectedBestParameters!);
}

describe('encodeCheckpoint and decodeCheckpoint', () => {
  it('round-trip every field, floats bit for bit', () => {
    expectSameCheckpoint(decodeCheckpoint(encodeCheckpoint(checkpoint)), checkpoint);
  });

  it('round-trip any float values and block sizes', () => {
    const blocks = fc.array(fc.float64Array({ maxLength: 20 }), { maxLength: 4 });
    const word = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(blocks, blocks, fc.tuple(word, word, word, word), (parameters, slots, random) => {
        const generated: TrainingCheckpoint = {
          ...checkpoint,
          parameters,
          random,
          optimizer: { iterations: 3, slots },
          best: checkpoint.best,
        };
        expectSameCheckpoint(decodeCheckpoint(encodeCheckpoint(generated)), generated);
      }),
      { numRuns: 200, seed: 99 },
    );
  });

  it('round-trip a checkpoint without best-so-far and before the first epoch', () => {
    const fresh: TrainingCheckpoint = { ...checkpoint, epoch: 0, cost: null, best: null };
    const decoded = decodeCheckpoint(encodeCheckpoint(fresh));
    expect(decoded.best).toBeNull();
    expect(decoded.cost).toBeNull();
    expect(decoded.epoch).toBe(0);
  });

  it('decode bytes that sit at an offset inside a larger buffer', () => {
    const bytes = encodeCheckpoint(checkpoint);
    const larger = new Uint8Array(bytes.length + 13);
    larger.set(bytes, 5);
    expectSameCheckpoint(decodeCheckpoint(larger.subarray(5, 5 + bytes.length)), checkpoint);
  });

  it('decode a Node Buffer, as a database or file read returns it', () => {
    // Small Buffers are carved out of a shared pool, so this one starts at a non-zero offset
    // of a larger ArrayBuffer, and Buffer#slice returns a view rather than a copy.
    Buffer.alloc(3);
    const buffer = Buffer.from(encodeCheckpoint(checkpoint));
    expectSameCheckpoint(decodeCheckpoint(buffer), checkpoint);
  });

  it('reject bytes that are not a checkpoint of this engine version', () => {
    const header = new TextEncoder().encode(
      JSON.stringify({ magic: 'something-else', version: 1 }),
    );
    const bytes = new Uint8Array(8 + header.length);
    new DataView(bytes.buffer).setUint32(0, header.length, true);
    bytes.set(header, 4);
    expect(() => decodeCheckpoint(bytes)).toThrow(InvalidArgumentError);
  });
});
