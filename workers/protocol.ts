import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import type {
  EpochReport,
  LayerParameters,
  NetworkDefinition,
  TrainingOptions,
} from '../src/engine/index.js';
import { decodeReportBatch, type ReportBatch } from './report-batch.js';

/**
 * The typed messages between the main thread and a training worker. The main thread sends one
 * TrainTask; the worker streams ProgressMessages over the task's port and returns a TrainOutcome
 * that carries the reports it did not send yet and how many messages it sent, so that a short
 * job costs one message back, not three. Messages from the worker are validated here, at the
 * boundary, like any external input.
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

const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be a Uint8Array');
const floats = z.custom<Float64Array>(
  (value) => value instanceof Float64Array,
  'must be a Float64Array',
);

const CheckpointSchema = z.object({ epoch: z.number().int().nonnegative(), state: bytes });

/** A ReportBatch (see report-batch.ts), decoded here into reports. */
const ReportBatchSchema = z.unknown().transform((batch, context): EpochReport[] => {
  try {
    return decodeReportBatch(batch);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** The only message a worker posts on its port: reports, and now and then a checkpoint. */
export const ProgressMessageSchema = z.object({
  type: z.literal('progress'),
  reports: ReportBatchSchema,
  /** The best epoch so far after these reports. */
  bestEpoch: z.number().int().positive().nullable(),
  checkpoint: CheckpointSchema.nullable(),
});

/** A progress message as the worker posts it: its reports still a batch. */
export type ProgressMessage = Omit<z.input<typeof ProgressMessageSchema>, 'reports'> & {
  reports: ReportBatch;
};

/** What every outcome carries besides how the attempt ended. */
const UNSENT = {
  /** Reports of the last epochs, not sent in a progress message (a short job sends none). */
  reports: ReportBatchSchema,
  /** The best epoch after those reports. */
  bestEpoch: z.number().int().positive().nullable(),
  /** Progress messages the worker posted: all are stored before the end is recorded. */
  progressMessages: z.number().int().nonnegative(),
};

const MatrixSchema = z.object({
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
  data: floats,
});

export const TrainOutcomeSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('result'),
      stopReason: z.enum([
        'epochs',
        'targetCost',
        'earlyStopping',
        'timeLimit',
        'cancelled',
        'suspended',
      ]),
      /** The epoch of `layers` (the best one when the best weights were restored). */
      epoch: z.number().int().nonnegative(),
      cost: z.number().nullable(),
      layers: z.array(z.object({ W: MatrixSchema, b: MatrixSchema })),
      /** The last epoch that finished: later history rows of an earlier attempt are stale. */
      lastEpoch: z.number().int().nonnegative(),
      /** The engine's state to resume from: only a suspended job sends it. */
      checkpoint: CheckpointSchema.nullable(),
      ...UNSENT,
    })
    .refine((outcome) => outcome.stopReason !== 'suspended' || outcome.checkpoint !== null, {
      message: 'a suspended job must return its checkpoint',
      path: ['checkpoint'],
    }),
  z.object({
    type: z.literal('failure'),
    code: z.enum(['TRAINING_DIVERGED', 'TIME_LIMIT_EXCEEDED']),
    message: z.string(),
    ...UNSENT,
  }),
]);

/** An outcome as the worker returns it: its reports still a batch. */
export type TrainOutcomeSent = DistributiveOmit<z.input<typeof TrainOutcomeSchema>, 'reports'> & {
  reports: ReportBatch;
};
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type TrainOutcome = z.infer<typeof TrainOutcomeSchema>;
