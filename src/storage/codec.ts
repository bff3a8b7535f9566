import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import type { LayerParameters } from '../engine/index.js';

// Blobs are little-endian float64. Every platform Node ships for is little-endian; refusing to
// start elsewhere beats silently storing byte-swapped numbers.
if (endianness() !== 'LE')
  throw new Error('Chainrule stores little-endian float64 and needs a little-endian CPU');

/** The array's bytes as a Buffer view (no copy). */
export function float64ToBuffer(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/**
 * A few numbers as a blob, for values stored one small blob per row (a history row's gradient
 * norms): the bytes come from Buffer's shared pool, where a Float64Array of its own per row
 * costs as much as the rest of storing the row.
 */
export function numbersToBuffer(values: readonly number[]): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 8);
  for (let index = 0; index < values.length; index++) bytes.writeDoubleLE(values[index], index * 8);
  return bytes;
}

/** The numbers of a blob that numbersToBuffer wrote, read in place. */
export function bufferToNumbers(bytes: Buffer): number[] {
  const values = new Array<number>(bytes.length / 8);
  for (let index = 0; index < values.length; index++) values[index] = bytes.readDoubleLE(index * 8);
  return values;
}

/** A fresh, aligned Float64Array holding a blob's values. */
export function bufferToFloat64(bytes: Uint8Array): Float64Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float64Array(copy.buffer);
}

/** SHA-256 over the dataset's shape and values: equal data gives an equal digest. */
export function datasetDigest(
  rows: number,
  inputSize: number,
  targetSize: number,
  inputs: Float64Array,
  targets: Float64Array,
): string {
  return createHash('sha256')
    .update(`chainrule-dataset:${rows}:${inputSize}:${targetSize}:`)
    .update(float64ToBuffer(inputs))
    .update(float64ToBuffer(targets))
    .digest('hex');
}

/** A model's layers as a blob: u32 header length, JSON shapes, padding, W₁ b₁ W₂ b₂ … */
export function encodeLayers(layers: readonly LayerParameters[]): Buffer {
  const header = Buffer.from(JSON.stringify(layers.map(({ W }) => [W.rows, W.cols])));
  const floatsAt = Math.ceil((4 + header.length) / 8) * 8;
  const count = layers.reduce((total, { W, b }) => total + W.data.length + b.data.length, 0);
  const bytes = Buffer.alloc(floatsAt + 8 * count);
  bytes.writeUInt32LE(header.length, 0);
  header.copy(bytes, 4);
  let offset = floatsAt;
  for (const { W, b } of layers) {
    for (const block of [W.data, b.data]) {
      float64ToBuffer(block).copy(bytes, offset);
      offset += block.byteLength;
    }
  }
  return bytes;
}

export function decodeLayers(bytes: Uint8Array): LayerParameters[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = buffer.readUInt32LE(0);
  const shapes = JSON.parse(buffer.subarray(4, 4 + headerLength).toString()) as [number, number][];
  const floats = bufferToFloat64(buffer.subarray(Math.ceil((4 + headerLength) / 8) * 8));
  let offset = 0;
  const take = (length: number) => {
    const block = floats.slice(offset, offset + length);
    offset += length;
    return block;
  };
  return shapes.map(([rows, cols]) => ({
    W: { rows, cols, data: take(rows * cols) },
    b: { rows: 1, cols, data: take(cols) },
  }));
}
