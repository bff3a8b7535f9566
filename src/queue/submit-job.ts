import { randomInt } from 'node:crypto';
import type { Limits } from '../config.js';
import {
  EngineError,
  InvalidArgumentError,
  ShapeMismatchError as EngineShapeMismatchError,
  checkParameterShapes,
  matrixFromRows,
  outputSize,
  resolveTrainingOptions,
  type LayerParameters,
  type NetworkDefinition,
} from '../engine/index.js';
import {
  JobNotFinishedError,
  ModelUnavailableError,
  NotFoundError,
  ShapeMismatchError,
  ValidationError,
} from '../errors.js';
import { newId } from '../storage/ids.js';
import {
  isTerminal,
  type DatasetRecord,
  type JobRecord,
  type NewDataset,
  type StoredTraining,
} from '../storage/records.js';
import type { IdempotentWrite, Store } from '../storage/store.js';
import { checkNetworkLimits, checkTrainingLimits } from './limits.js';

/** The training options of a job request, after schema validation. */
export interface TrainingRequest {
  readonly epochs: number;
  readonly batchSize?: number;
  readonly optimizer: import('../engine/index.js').OptimizerConfig;
  readonly seed?: number;
  readonly shuffle: boolean;
  readonly validationSplit: number;
  readonly earlyStopping?: {
    monitor: 'cost' | 'validationCost';
    patience: number;
    minDelta: number;
    restoreBestWeights: boolean;
  };
  readonly targetCost?: number;
  readonly l2: number;
  readonly timeLimitSeconds?: number;
  readonly initialModel?: { jobId: string } | { layers: { W: number[][]; b: number[] }[] };
}

export interface JobSubmission {
  readonly tenant: string;
  readonly network: { id: string } | NetworkDefinition;
  /** A stored dataset's id, or a dataset built from the request to store with the job. */
  readonly dataset: { id: string } | NewDataset;
  readonly training: TrainingRequest;
  readonly idempotency?: IdempotentWrite<JobRecord>;
}

export interface SubmitContext {
  readonly store: Store;
  readonly limits: Limits;
  readonly queueLimit: number;
  readonly tenantJobLimit: number;
}

/**
 * Validates a job against its network, dataset and the limits, resolves every default (the
 * seed too, so the job is reproducible), and enqueues it in one transaction together with an
 * inline dataset and the idempotency record.
 */
export async function submitJob(
  context: SubmitContext,
  submission: JobSubmission,
): Promise<JobRecord> {
  const { store, limits } = context;
  const { tenant } = submission;

  const networkRef = submission.network;
  const stored = 'id' in networkRef ? await store.networks.get(tenant, networkRef.id) : null;
  if ('id' in networkRef && !stored) {
    throw new NotFoundError(`network ${networkRef.id} not found`, {
      errors: [{ path: 'network.id', message: 'no such network' }],
    });
  }
  const network = stored?.definition ?? (networkRef as NetworkDefinition);
  checkNetworkLimits(network, limits, 'network.');

  const datasetRef = submission.dataset;
  const inlineDataset = 'inputs' in datasetRef ? datasetRef : undefined;
  const dataset: DatasetRecord | null =
    inlineDataset ?? (await store.datasets.get(tenant, datasetRef.id));
  if (!dataset) {
    throw new NotFoundError(`dataset ${datasetRef.id} not found`, {
      errors: [{ path: 'dataset.id', message: 'no such dataset' }],
    });
  }
  checkShapes(network, dataset);

  const training = submission.training;
  const trainingRows = Math.floor(dataset.rows * (1 - training.validationSplit));
  if (trainingRows < 1) {
    throw new ValidationError([
      {
        path: 'training.validationSplit',
        message: `leaves no training rows out of ${dataset.rows}`,
      },
    ]);
  }
  checkTrainingLimits(training.epochs, trainingRows, limits);

  const resolved = resolveTraining(training);
  const initialModel = await resolveInitialModel(store, tenant, network, training.initialModel);
  const storedTraining: StoredTraining = {
    ...resolved,
    initialModel: !training.initialModel
      ? null
      : 'jobId' in training.initialModel
        ? { jobId: training.initialModel.jobId }
        : { layers: 'explicit' },
  };

  return store.jobs.create(
    {
      id: newId('job'),
      tenant,
      network,
      networkId: stored?.id ?? null,
      datasetId: dataset.id,
      training: storedTraining,
      initialModel,
      createdAt: new Date().toISOString(),
    },
    {
      inlineDataset,
      queueLimit: context.queueLimit,
      tenantJobLimit: context.tenantJobLimit,
      idempotency: submission.idempotency,
    },
  );
}

function checkShapes(network: NetworkDefinition, dataset: DatasetRecord): void {
  if (dataset.inputSize !== network.inputSize) {
    throw new ShapeMismatchError(
      `the dataset has ${dataset.inputSize} input columns; the network takes ${network.inputSize}`,
      {
        errors: [
          {
            path: 'dataset.inputs',
            message: `${dataset.inputSize} columns, but network.inputSize is ${network.inputSize}`,
          },
        ],
      },
    );
  }
  const units = outputSize(network);
  if (dataset.targetSize !== units) {
    throw new ShapeMismatchError(
      `the dataset has ${dataset.targetSize} target columns; ` +
        `the network's last layer has ${units} units`,
      {
        errors: [
          {
            path: 'dataset.targets',
            message: `${dataset.targetSize} columns, but the last layer has ${units} units`,
          },
        ],
      },
    );
  }
}

function resolveTraining(training: TrainingRequest) {
  try {
    return resolveTrainingOptions({ ...training, seed: training.seed ?? randomInt(0, 2 ** 31) });
  } catch (error) {
    if (error instanceof InvalidArgumentError) {
      throw new ValidationError([
        { path: `training.${error.path}`, message: error.message.slice(error.path.length + 2) },
      ]);
    }
    throw error;
  }
}

async function resolveInitialModel(
  store: Store,
  tenant: string,
  network: NetworkDefinition,
  request: TrainingRequest['initialModel'],
): Promise<LayerParameters[] | null> {
  if (!request) return null;

  let layers: LayerParameters[];
  if ('jobId' in request) {
    const source = await store.jobs.get(tenant, request.jobId);
    if (!source) {
      throw new NotFoundError(`job ${request.jobId} not found`, {
        errors: [{ path: 'training.initialModel.jobId', message: 'no such job' }],
      });
    }
    const model = source.hasModel ? await store.jobs.model(source.id) : null;
    if (!model) {
      const problem = {
        errors: [
          {
            path: 'training.initialModel.jobId',
            message: `the job is ${source.status} without a model`,
          },
        ],
      };
      throw isTerminal(source.status)
        ? new ModelUnavailableError(
            `job ${request.jobId} ended ${source.status} without a model to start from`,
            problem,
          )
        : new JobNotFinishedError(
            `job ${request.jobId} is ${source.status}; it has no model to start from yet`,
            problem,
          );
    }
    layers = model.layers;
  } else {
    layers = request.layers.map(({ W, b }) => ({
      W: matrixFromRows(W),
      b: matrixFromRows([b]),
    }));
  }

  try {
    checkParameterShapes(network, layers);
  } catch (error) {
    if (error instanceof EngineShapeMismatchError) {
      // Explicit layers are named as sent (`training.initialModel.layers[1].W`); another job's
      // model is named by the field that chose it.
      const where =
        'jobId' in request ? 'training.initialModel.jobId' : `training.initialModel.${error.op}`;
      const message =
        'jobId' in request
          ? `the model of job ${request.jobId} does not fit: ${error.message}`
          : error.message;
      throw new ShapeMismatchError(`the initial model does not fit the network: ${error.message}`, {
        errors: [{ path: where, message }],
      });
    }
    throw error instanceof EngineError
      ? new ValidationError([{ path: 'training.initialModel', message: error.message }])
      : error;
  }
  return layers;
}
