import { z } from 'zod';
import {
  ACTIVATIONS,
  INITIALIZERS,
  LOSSES,
  OPTIMIZERS,
  OPTIMIZER_DEFAULTS,
} from '../../engine/index.js';
import { JOB_STATUSES } from '../../storage/records.js';
import { CursorQuerySchema, LimitQuerySchema, TimestampSchema } from './common.js';
import { DatasetBodySchema } from './dataset.js';
import { XOR_INPUTS, XOR_NETWORK, XOR_TARGETS, XOR_TRAINING } from './examples.js';
import { matrixSchema, vectorSchema } from './matrix.js';
import { NetworkDefinitionSchema } from './network.js';

const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });
const positive = finite.refine((value) => value > 0, { error: 'must be greater than 0' });
const fraction = finite.refine((value) => value >= 0 && value < 1, {
  error: 'must be at least 0 and below 1',
});

const d = OPTIMIZER_DEFAULTS;
const learningRate = (fallback: number) =>
  positive.optional().meta({ description: `Default ${fallback}.` });

/** Optimizers with TF.js's names and parameter names; omitted parameters take the defaults. */
export const OptimizerSchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('sgd'), learningRate: learningRate(d.sgd.learningRate) }),
      z.strictObject({
        type: z.literal('momentum'),
        learningRate: learningRate(d.momentum.learningRate),
        momentum: finite
          .refine((v) => v >= 0, { error: 'must be ≥ 0' })
          .optional()
          .meta({ description: 'Default 0.9.' }),
        useNesterov: z.boolean().optional(),
      }),
      z.strictObject({
        type: z.literal('adam'),
        learningRate: learningRate(d.adam.learningRate),
        beta1: fraction.optional().meta({ description: 'Default 0.9.' }),
        beta2: fraction.optional().meta({ description: 'Default 0.999.' }),
        epsilon: positive.optional().meta({ description: 'Default 1e-7.' }),
      }),
      z.strictObject({
        type: z.literal('rmsprop'),
        learningRate: learningRate(d.rmsprop.learningRate),
        decay: fraction.optional().meta({ description: 'Default 0.9.' }),
        momentum: finite
          .refine((v) => v >= 0, { error: 'must be ≥ 0' })
          .optional()
          .meta({ description: 'Default 0.' }),
        epsilon: positive.optional().meta({ description: 'Default 1e-7.' }),
        centered: z.boolean().optional(),
      }),
      z.strictObject({
        type: z.literal('adagrad'),
        learningRate: learningRate(d.adagrad.learningRate),
        initialAccumulatorValue: positive.optional().meta({ description: 'Default 0.1.' }),
      }),
    ],
    { error: 'type must be one of sgd, momentum, adam, rmsprop, adagrad' },
  )
  .meta({ id: 'Optimizer' });

export const EarlyStoppingSchema = z.strictObject({
  monitor: z.enum(['cost', 'validationCost']).default('validationCost'),
  patience: z
    .number()
    .int()
    .min(0)
    .default(0)
    .meta({ description: 'Epochs without improvement to allow.' }),
  minDelta: finite.refine((v) => v >= 0, { error: 'must be ≥ 0' }).default(0),
  restoreBestWeights: z.boolean().default(false),
});

export const LayerWeightsSchema = z.strictObject({
  W: matrixSchema('Weights, [inputs][units].', [[0.5], [-0.5]]),
  b: vectorSchema('Biases, one per unit.', [0]),
});

export const InitialModelSchema = z
  .union([
    z.strictObject({
      jobId: z.string().max(64).meta({ description: 'Start from the model of this finished job.' }),
    }),
    z.strictObject({ layers: z.array(LayerWeightsSchema).min(1) }),
  ])
  .meta({ description: 'A warm start: weights to begin from instead of the initializer.' });

export const TrainingSchema = z
  .strictObject({
    epochs: z
      .number({ error: 'epochs must be a positive integer' })
      .int()
      .min(1)
      .meta({ description: 'Passes over the data, numbered from 1.', examples: [2000] }),
    batchSize: z.number().int().min(1).optional().meta({
      description: 'Rows per step. Omitted: the whole dataset per step (plain gradient descent).',
    }),
    optimizer: OptimizerSchema.default({ type: 'sgd' }),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .meta({
        description:
          'Seeds initialization and shuffling; chosen at random and recorded when omitted.',
      }),
    shuffle: z.boolean().default(true),
    validationSplit: fraction.default(0).meta({
      description:
        'Fraction of rows, taken from the end before shuffling, held out for validation.',
    }),
    earlyStopping: EarlyStoppingSchema.optional(),
    targetCost: finite
      .refine((v) => v >= 0, { error: 'must be ≥ 0' })
      .optional()
      .meta({ description: "Stop once an epoch's training cost is at or below this." }),
    l2: finite
      .refine((v) => v >= 0, { error: 'must be ≥ 0' })
      .default(0)
      .meta({ description: 'Adds l2 · Σ W² over all layers to the cost.' }),
    timeLimitSeconds: positive.optional().meta({
      description:
        'Stop between two steps after this much training time; the weights are kept. Time the ' +
        'worker waits for its history to be stored does not count.',
    }),
    initialModel: InitialModelSchema.optional(),
  })
  .meta({ id: 'Training', examples: [XOR_TRAINING] });

export const JobCreateBodySchema = z
  .strictObject({
    network: z
      .union([z.strictObject({ id: z.string().max(64) }), NetworkDefinitionSchema])
      .meta({ description: 'A stored network `{ "id": "net_..." }` or a definition.' }),
    dataset: z
      .union([z.strictObject({ id: z.string().max(64) }), DatasetBodySchema])
      .meta({ description: 'A stored dataset `{ "id": "ds_..." }` or the data itself.' }),
    training: TrainingSchema,
  })
  .meta({
    id: 'JobCreate',
    examples: [
      {
        network: XOR_NETWORK,
        dataset: { inputs: XOR_INPUTS, targets: XOR_TARGETS },
        training: XOR_TRAINING,
      },
    ],
  });

export type JobCreateBody = z.output<typeof JobCreateBodySchema>;

/** The network a job trains: the definition, with its id when it came from /v1/networks. */
export const TrainedNetworkSchema = z
  .object({
    id: z.string().optional(),
    inputSize: z.number().int(),
    layers: z.array(
      z.object({
        units: z.number().int(),
        activation: z.enum(ACTIVATIONS),
        alpha: z.number().optional(),
      }),
    ),
    loss: z.enum(LOSSES),
    initializer: z.enum(INITIALIZERS).optional(),
    parameterCount: z.number().int(),
  })
  .meta({ id: 'TrainedNetwork' });

/** Training options as a job records them: every default resolved and the seed fixed. */
export const ResolvedTrainingSchema = z
  .object({
    epochs: z.number().int(),
    batchSize: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'null: the whole dataset per step.' }),
    optimizer: z
      .object({ type: z.enum(OPTIMIZERS) })
      .catchall(z.union([z.number(), z.boolean(), z.string()])),
    seed: z.number().int(),
    shuffle: z.boolean(),
    validationSplit: z.number(),
    earlyStopping: z
      .object({
        monitor: z.enum(['cost', 'validationCost']),
        patience: z.number().int(),
        minDelta: z.number(),
        restoreBestWeights: z.boolean(),
      })
      .nullable(),
    targetCost: z.number().nullable(),
    l2: z.number(),
    timeLimitSeconds: z.number().nullable(),
    initialModel: z
      .union([z.object({ jobId: z.string() }), z.object({ layers: z.literal('explicit') })])
      .nullable(),
  })
  .meta({ id: 'ResolvedTraining' });

const StatusSchema = z.enum(JOB_STATUSES);
const StopReasonSchema = z.enum([
  'epochs',
  'targetCost',
  'earlyStopping',
  'timeLimit',
  'cancelled',
]);

export const JobSchema = z
  .object({
    id: z.string().meta({ examples: ['job_7k3m9q2x5v8b1n4c6d0f'] }),
    status: StatusSchema,
    cancelRequested: z.boolean(),
    progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
    cost: z.number().nullable().meta({ description: 'Training cost of the last finished epoch.' }),
    validationCost: z.number().nullable(),
    bestEpoch: z.number().int().nullable(),
    stopReason: StopReasonSchema.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    createdAt: TimestampSchema,
    startedAt: TimestampSchema.nullable(),
    finishedAt: TimestampSchema.nullable(),
    network: TrainedNetworkSchema,
    datasetId: z.string(),
    training: ResolvedTrainingSchema,
  })
  .meta({ id: 'Job' });

export const JobListQuerySchema = z.strictObject({
  status: StatusSchema.optional(),
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export const HistoryItemSchema = z
  .object({
    epoch: z.number().int(),
    cost: z.number(),
    validationCost: z.number().optional(),
    accuracy: z.number().optional(),
    validationAccuracy: z.number().optional(),
    gradientNorms: z
      .array(z.number())
      .meta({ description: "Per layer, √(Σ dW² + Σ db²) of the epoch's last step." }),
    elapsedMs: z.number(),
  })
  .meta({ id: 'HistoryItem' });

const EVERY_ERROR = 'must be an integer from 1 to 1000000000';

export const HistoryQuerySchema = z.strictObject({
  after: z.coerce
    .number({ error: 'must be an integer ≥ 0' })
    .int({ error: 'must be an integer ≥ 0' })
    .min(0, { error: 'must be an integer ≥ 0' })
    .default(0)
    .meta({ description: 'Return epochs after this one.' }),
  limit: LimitQuerySchema,
  every: z.coerce
    .number({ error: EVERY_ERROR })
    .int({ error: EVERY_ERROR })
    .min(1, { error: EVERY_ERROR })
    .max(1_000_000_000, { error: EVERY_ERROR })
    .default(1)
    .meta({
      description: 'Return only the epochs that are multiples of this: a sample of a long history.',
      examples: [1],
    }),
});

export const HistoryPageSchema = z.object({
  items: z.array(HistoryItemSchema),
  nextAfter: z.number().int().nullable().meta({
    description:
      'Pass as `after` for the next page; null once the job ended and every epoch was returned.',
  }),
});

export const ModelQuerySchema = z.strictObject({
  checkpoint: z
    .enum(['latest'])
    .optional()
    .meta({ description: '`latest`: the newest checkpoint of a running job.' }),
});

export const ModelSchema = z
  .object({
    network: TrainedNetworkSchema,
    epoch: z.number().int().meta({ description: 'The epoch whose weights these are.' }),
    cost: z.number().nullable(),
    layers: z.array(
      z.object({
        W: z.array(z.array(z.number())).meta({ description: '[inputs][units]' }),
        b: z.array(z.number()),
        activation: z.enum(ACTIVATIONS),
      }),
    ),
  })
  .meta({ id: 'Model' });
