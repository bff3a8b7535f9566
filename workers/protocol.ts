import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import type {
  EpochReport, LayerParameters, NetworkDefinition, TrainingOptions,
} from '../src/engine/index.js';

/**
 * The typed messages between the main thread and a training worker. The main thread sends one
 * TrainTask; the worker streams ProgressMessages over the task's port, ends the stream with
 * an EndMessage, and returns a TrainOutcome. Messages from the worker are validated here, at
 * the boundary, like any external input.
 */

/** Values of the shared control word the main thread writes and the worker polls between steps. */
export const CONTROL = { RUN: 0, CANCEL: 1, SUSPEND: 2 } as const;

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
  /** One Int32 holding a CONTROL value. */
  readonly control: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly checkpointEveryEpochs: number;
  readonly checkpointEveryMs: number;
  /** Reports are batched into one message at most this often, so fast epochs cannot flood. */
  readonly reportEveryMs: number;
}

const finite = z.number().refine(Number.isFinite, 'must be finite');

const EpochReportSchema = z.object({
  epoch: z.number().int().positive(),
  cost: finite,
  validationCost: finite.optional(),
  accuracy: finite.optional(),
  validationAccuracy: finite.optional(),
  gradientNorms: z.array(z.number()),
  elapsedMs: z.number().nonnegative(),
});

const bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be a Uint8Array');
const floats = z.custom<Float64Array>((value) => value instanceof Float64Array, 'must be a Float64Array');

const CheckpointSchema = z.object({ epoch: z.number().int().nonnegative(), state: bytes });

export const ProgressMessageSchema = z.object({
  type: z.literal('progress'),
  reports: z.array(EpochReportSchema),
  /** The best epoch so far after these reports. */
  bestEpoch: z.number().int().positive().nullable(),
  checkpoint: CheckpointSchema.nullable(),
});

export const EndMessageSchema = z.object({ type: z.literal('end') });

export const WorkerMessageSchema = z.discriminatedUnion('type', [ProgressMessageSchema, EndMessageSchema]);

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
    stopReason: z.enum(['epochs', 'targetCost', 'earlyStopping', 'timeLimit', 'cancelled', 'suspended']),
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
