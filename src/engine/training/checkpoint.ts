import { InvalidArgumentError } from '../errors.js';
import type { OptimizerState } from '../optimizers/optimizer.js';
import type { RandomState } from '../random.js';

/** The best epoch so far by the monitored quantity, and what early stopping has waited. */
export interface BestSoFar {
  readonly value: number;
  readonly epoch: number;
  readonly cost: number;
  readonly wait: number;
  /** The best epoch's parameters, kept only when restoreBestWeights asks for them. */
  readonly parameters: readonly Float64Array[] | null;
}

/**
 * The complete state of a run at an epoch boundary. Resuming from it continues bit-identically:
 * weights, optimizer slots and step count, the PRNG (which drives the next shuffles), the
 * epoch reached, and the best-so-far bookkeeping of early stopping.
 */
export interface TrainingCheckpoint {
  /** Epochs completed; the next to train is epoch + 1. */
  readonly epoch: number;
  /** The training cost of `epoch`; null before the first epoch. */
  readonly cost: number | null;
  /** Parameter buffers in the order W₁, b₁, W₂, b₂, … */
  readonly parameters: readonly Float64Array[];
  readonly optimizer: OptimizerState;
  readonly random: RandomState;
  readonly best: BestSoFar | null;
  /** Training time spent up to this boundary, over all attempts. */
  readonly elapsedMs: number;
}

const MAGIC = 'chainrule-checkpoint';
const VERSION = 1;

interface Header {
  magic: string;
  version: number;
  epoch: number;
  cost: number | null;
  random: RandomState;
  elapsedMs: number;
  iterations: number;
  best: Omit<BestSoFar, 'parameters'> | null;
  /** Lengths of the float blocks: parameters, then optimizer slots, then best parameters. */
  parameterLengths: number[];
  slotLengths: number[];
  bestLengths: number[] | null;
}

/**
 * Serialises a checkpoint: a 4-byte header length, a JSON header, padding to 8 bytes, then every
 * float block as little-endian float64. Floats are stored bit-exactly (never as decimal text).
 */
export function encodeCheckpoint(checkpoint: TrainingCheckpoint): Uint8Array {
  const { parameters, optimizer, best } = checkpoint;
  const header: Header = {
    magic: MAGIC,
    version: VERSION,
    epoch: checkpoint.epoch,
    cost: checkpoint.cost,
    random: checkpoint.random,
    elapsedMs: checkpoint.elapsedMs,
    iterations: optimizer.iterations,
    best: best ? { value: best.value, epoch: best.epoch, cost: best.cost, wait: best.wait } : null,
    parameterLengths: parameters.map((block) => block.length),
    slotLengths: optimizer.slots.map((block) => block.length),
    bestLengths: best?.parameters ? best.parameters.map((block) => block.length) : null,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const blocks = [...parameters, ...optimizer.slots, ...(best?.parameters ?? [])];
  const floatsAt = align8(4 + headerBytes.length);
  const floatCount = blocks.reduce((total, block) => total + block.length, 0);

  const bytes = new Uint8Array(floatsAt + 8 * floatCount);
  new DataView(bytes.buffer).setUint32(0, headerBytes.length, true);
  bytes.set(headerBytes, 4);
  const floats = new Float64Array(bytes.buffer, floatsAt, floatCount);
  let offset = 0;
  for (const block of blocks) {
    floats.set(block, offset);
    offset += block.length;
  }
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)),
  ) as Header;
  if (header.magic !== MAGIC || header.version !== VERSION) {
    throw new InvalidArgumentError('checkpoint', 'not a checkpoint of this engine version');
  }

  // Copy into a fresh aligned buffer: the source may sit at any byte offset. Not with
  // bytes.slice(): on a Node Buffer (what a database or file read returns) slice is a view into
  // the shared pool, so .buffer would be the whole pool and the floats would be read from byte 0.
  const floatsAt = align8(4 + headerLength);
  const floats = new Float64Array(new Uint8Array(bytes.subarray(floatsAt)).buffer);
  let offset = 0;
  const take = (lengths: number[]): Float64Array[] =>
    lengths.map((length) => {
      const block = floats.slice(offset, offset + length);
      offset += length;
      return block;
    });
  const parameters = take(header.parameterLengths);
  const slots = take(header.slotLengths);
  const bestParameters = header.bestLengths ? take(header.bestLengths) : null;

  return {
    epoch: header.epoch,
    cost: header.cost,
    parameters,
    optimizer: { iterations: header.iterations, slots },
    random: header.random,
    best: header.best ? { ...header.best, parameters: bestParameters } : null,
    elapsedMs: header.elapsedMs,
  };
}

function align8(value: number): number {
  return Math.ceil(value / 8) * 8;
}
