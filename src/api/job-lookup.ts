import { decodeCheckpoint, type LayerParameters } from '../engine/index.js';
import { JobNotFinishedError, ModelUnavailableError, NotFoundError } from '../errors.js';
import { isWellFormedId } from '../storage/ids.js';
import { isTerminal, type JobRecord, type StoredModel } from '../storage/records.js';
import type { Store } from '../storage/store.js';

/** Finds a tenant's jobs and the models they offer, with the errors every job route shares. */
export interface JobLookup {
  /** The job, or 404 NOT_FOUND (also for a malformed id or another tenant's job). */
  findJob(tenant: string, id: string): Promise<JobRecord>;
  /**
   * The job's final model, or with `acceptCheckpoint` the newest checkpoint of an unfinished
   * job. 409 JOB_NOT_FINISHED while none exists yet, 409 MODEL_UNAVAILABLE when the job ended
   * without one.
   */
  loadModel(job: JobRecord, acceptCheckpoint: boolean): Promise<StoredModel>;
}

export function createJobLookup(store: Store): JobLookup {
  return {
    async findJob(tenant, id) {
      const job = isWellFormedId('job', id) ? await store.jobs.get(tenant, id) : null;
      if (!job) throw new NotFoundError(`job ${id} not found`);
      return job;
    },

    async loadModel(job, acceptCheckpoint) {
      if (job.hasModel) {
        const model = await store.jobs.model(job.id);
        if (model) return model;
      }
      if (acceptCheckpoint && !isTerminal(job.status)) {
        const checkpoint = await store.jobs.latestCheckpoint(job.id);
        if (checkpoint) return checkpointModel(job, checkpoint.state);
        throw new JobNotFinishedError(`job ${job.id} has no checkpoint yet`);
      }
      if (isTerminal(job.status))
        throw new ModelUnavailableError(`job ${job.id} ended ${job.status} without a model`);
      throw new JobNotFinishedError(
        `job ${job.id} is ${job.status}; ` +
          'its model exists once it finishes (or use ?checkpoint=latest)',
      );
    },
  };
}

/** The weights inside a stored engine checkpoint, shaped by the job's network. */
function checkpointModel(job: JobRecord, state: Uint8Array): StoredModel {
  const checkpoint = decodeCheckpoint(state);
  let inputs = job.network.inputSize;
  const layers: LayerParameters[] = job.network.layers.map((layer, index) => {
    const W = { rows: inputs, cols: layer.units, data: checkpoint.parameters[2 * index] };
    const b = { rows: 1, cols: layer.units, data: checkpoint.parameters[2 * index + 1] };
    inputs = layer.units;
    return { W, b };
  });
  return { epoch: checkpoint.epoch, cost: checkpoint.cost, layers };
}
