import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import type {
  EpochReport,
  LayerParameters,
  NetworkDefinition,
  TrainingOptions,
} from '../src/engine/index.js';

/**
 * The typed messages between the main thread and a training worker. The main thread sends one
 * TrainTask; the worker streams ProgressMessages over the task's port, ends the stream with
 * an EndMessage, and returns a TrainOutcome. Messages from the worker are validated here, at
 * the boundary, like any external input.
 */

/** Values of the shared control word the main thread writes and the worker polls between steps. */
export const CONTROL = { RUN: 0, CANCEL: 1, SUSPEND: 2 } as const;

/**
 * Size of TrainTask.control: an Int32 CONTROL word at byte 0 and, at byte 8, a BigInt64 holding
 * the last epoch the main thread has stored. A buffer of only 4 bytes means no flow control.
 */
export const CONTROL_BYTES = 16;

/** Typed views over TrainTask.control. */
export function controlViews(buffer: SharedArrayBuffer): {
  signal: Int32Array;
  stored: BigInt64Array | null;
} {
  return {
    signal: new Int32Array(buffer, 0, 1),
    stored: buffer.byteLength >= CONTROL_BYTES ? new BigInt64Array(buffer, 8, 1) : null,
  };
}

export interface TrainTask {
  readonly jobId: string;
  readonly attempt: number;
  readonly network: NetworkDefinition;
  readonly training: TrainingOptions;
  readonly dataset: {
    readonly rows: number;
    readonly inputSize: number;
    readonly targetSize: number;
    /** Transferred, not copied: the main thread gives up these buffers. */
    readonly inputs: Float64Array;
    readonly targets: Float64Array;
  };
  readonly initialLayers: LayerParameters[] | null;
  /** encodeCheckpoint() bytes to resume from. */
  readonly checkpoint: Uint8Array | null;
  /** The CONTROL word and the stored epoch (see CONTROL_BYTES). */
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly checkpointEveryEpochs: number;
  readonly checkpointEveryMs: number;
  /** Reports are batched into one message at most this often, so fast epochs cannot flood. */
  readonly reportEveryMs: number;
  /** A message holds at most this many reports, so that the main thread decodes it in a few ms. */
  readonly maxReportsPerMessage: number;
  /**
   * Flow control: the worker pauses between two epochs while more than this many of its epochs
   * are not yet stored, so a job whose epochs take microseconds cannot outrun the database and
   * pile up reports in memory.
   */
  readonly maxUnstoredEpochs: number;
}

const OPTIONAL_FINITE_FIELDS = ['validationCost', 'accuracy', 'validationAccuracy'] as const;

/**
 * Checks epoch reports with a plain loop: a fast job sends thousands per second, and zod's
 * per-object parse cost the main thread several microseconds each (more than storing them).
 */
function checkReports(value: unknown, context: z.core.$RefinementCtx<unknown>): void {
  if (!Array.isArray(value)) {
    context.addIssue({ code: 'custom', message: 'must be an array of epoch reports' });
    return;
  }
  let previousEpoch = 0;
  for (let index = 0; index < value.length; index++) {
    const problem = reportProblem(value[index], previousEpoch);
    if (problem) {
      context.addIssue({ code: 'custom', path: [index], message: problem });
      return;
    }
    previousEpoch = (value[index] as EpochReport).epoch;
  }
}

function reportProblem(report: unknown, previousEpoch: number): string | null {
  if (typeof report !== 'object' || report === null) return 'is not an object';
  const { epoch, cost, gradientNorms, elapsedMs } = report as Record<string, unknown>;
  if (!Number.isSafeInteger(epoch) || (epoch as number) <= previousEpoch)
    return 'epoch must increase';
  if (typeof cost !== 'number' || !Number.isFinite(cost)) return 'cost must be finite';
  if (typeof elapsedMs !== 'number' || !(elapsedMs >= 0)) return 'elapsedMs must be ≥ 0';
  if (!Array.isArray(gradientNorms) || !gradientNorms.every((norm) => typeof norm === 'number')) {
    return 'gradientNorms must be numbers';
  }
  for (const field of OPTIONAL_FINITE_FIELDS) {
    const value = (report as Record<string, unknown>)[field];
    const isFinite = typeof value === 'number' && Number.isFinite(value);
    if (value !== undefined && !isFinite) return `${field} must be finite`;
  }
  return null;
}

const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be a Uint8Array');
const floats = z.custom<Float64Array>(
  (value) => value instanceof Float64Array,
  'must be a Float64Array',
);

const CheckpointSchema = z.object({ epoch: z.number().int().nonnegative(), state: bytes });

export const ProgressMessageSchema = z.object({
  type: z.literal('progress'),
  reports: z.custom<EpochReport[]>(() => true).superRefine(checkReports),
  /** The best epoch so far after these reports. */
  bestEpoch: z.number().int().positive().nullable(),
  checkpoint: CheckpointSchema.nullable(),
});

export const EndMessageSchema = z.object({ type: z.literal('end') });

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  ProgressMessageSchema,
  EndMessageSchema,
]);

export type ProgressMessage = z.infer<typeof ProgressMessageSchema> & { reports: EpochReport[] };
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;

const MatrixSchema = z.object({
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
  data: floats,
});

export const TrainOutcomeSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    stopReason: z.enum([
      'epochs',
      'targetCost',
      'earlyStopping',
      'timeLimit',
      'cancelled',
      'suspended',
    ]),
    epoch: z.number().int().nonnegative(),
    cost: z.number().nullable(),
    bestEpoch: z.number().int().positive().nullable(),
    layers: z.array(z.object({ W: MatrixSchema, b: MatrixSchema })),
    checkpoint: CheckpointSchema,
  }),
  z.object({
    type: z.literal('failure'),
    code: z.enum(['TRAINING_DIVERGED', 'TIME_LIMIT_EXCEEDED']),
    message: z.string(),
  }),
]);

export type TrainOutcome = z.infer<typeof TrainOutcomeSchema>;
