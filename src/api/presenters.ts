import { countParameters, matrixToRows, type NetworkDefinition } from '../engine/index.js';
import type { DatasetRecord, JobRecord, NetworkRecord, StoredModel } from '../storage/records.js';

/** How records look on the wire: camelCase, nulls explicit, no tenant or lease internals. */

export function presentDataset(record: DatasetRecord) {
  const { id, name, rows, inputSize, targetSize, sha256, createdAt } = record;
  return { id, name, rows, inputSize, targetSize, sha256, createdAt };
}

export function presentNetwork(record: NetworkRecord) {
  const { definition } = record;
  return {
    id: record.id,
    ...definition,
    layers: [...definition.layers],
    initializer: definition.initializer ?? 'glorotUniform',
    parameterCount: record.parameterCount,
    createdAt: record.createdAt,
  };
}

export function presentDefinition(definition: NetworkDefinition, id: string | null) {
  return {
    ...(id ? { id } : {}),
    ...definition,
    layers: [...definition.layers],
    parameterCount: countParameters(definition),
  };
}

export function presentJob(job: JobRecord) {
  return {
    id: job.id,
    status: job.status,
    cancelRequested: job.cancelRequested,
    progress: { epoch: job.epoch, epochs: job.epochs },
    cost: job.cost,
    validationCost: job.validationCost,
    bestEpoch: job.bestEpoch,
    stopReason: job.stopReason,
    error: job.error,
    attempts: job.attempts,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    network: presentDefinition(job.network, job.networkId),
    datasetId: job.datasetId,
    training: job.training,
  };
}

export function presentModel(job: JobRecord, model: StoredModel) {
  return {
    network: presentDefinition(job.network, job.networkId),
    epoch: model.epoch,
    cost: model.cost,
    layers: model.layers.map(({ W, b }, index) => ({
      W: matrixToRows(W),
      b: Array.from(b.data),
      activation: job.network.layers[index].activation,
    })),
  };
}
