import {
  Random,
  encodeCheckpoint,
  initializeParameters,
  outputSize,
  type LayerParameters,
  type NetworkDefinition,
} from '../../src/engine/index.js';
import type { TestApp } from './app.js';

/** A dataset of `rows` rows for `network`: inputs in [−2, 2], one-hot-ish targets in [0, 1]. */
export function datasetFor(network: NetworkDefinition, rows = 4, seed = 7) {
  const random = new Random(seed);
  const row = (width: number, low: number, high: number) =>
    Array.from({ length: width }, () => random.uniformBetween(low, high));
  return {
    inputs: Array.from({ length: rows }, () => row(network.inputSize, -2, 2)),
    targets: Array.from({ length: rows }, () => row(outputSize(network), 0, 1)),
  };
}

/** Weights for `network` drawn by its initializer, biases made non-zero so they matter. */
export function weightsFor(network: NetworkDefinition, seed = 3): LayerParameters[] {
  const random = new Random(seed);
  const layers = initializeParameters(network, random);
  for (const { b } of layers)
    for (let i = 0; i < b.data.length; i++) b.data[i] = random.uniformBetween(-0.5, 0.5);
  return layers;
}

/** Submits a job training `network` over HTTP and answers its id; it stays queued. */
export async function submitJob(
  t: TestApp,
  network: NetworkDefinition,
  training: object = {},
): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { network, dataset: datasetFor(network), training: { epochs: 10, ...training } },
  });
  if (response.statusCode !== 202) throw new Error(`submit failed: ${response.body}`);
  return response.json().id;
}

/**
 * Plays the dispatcher's part through the store, without a worker: submits a job and claims it.
 * The store claims the oldest queued job, so no other job may be waiting.
 */
async function submitAndClaim(
  t: TestApp,
  network: NetworkDefinition,
): Promise<{ id: string; attempt: number }> {
  const submitted = await submitJob(t, network);
  const claimed = await t.store.jobs.claimNext({
    owner: 'test',
    now: Date.now(),
    leaseMs: 60_000,
    maxAttempts: 3,
    startedAt: new Date().toISOString(),
  });
  if (claimed?.job.id !== submitted)
    throw new Error('another job was waiting: claim queued jobs first');
  return { id: claimed.job.id, attempt: claimed.job.attempts };
}

/** A job that succeeded with `layers` as its model of epoch `epoch`. */
export async function jobWithModel(
  t: TestApp,
  network: NetworkDefinition,
  layers: LayerParameters[],
  epoch = 10,
): Promise<string> {
  const { id, attempt } = await submitAndClaim(t, network);
  await t.store.jobs.finish(id, attempt, {
    status: 'succeeded',
    stopReason: 'epochs',
    error: null,
    model: { epoch, cost: 0.5, layers },
    lastEpoch: epoch,
    bestEpoch: epoch,
    finishedAt: new Date().toISOString(),
  });
  return id;
}

/** A job that failed without a model. */
export async function failedJob(t: TestApp, network: NetworkDefinition): Promise<string> {
  const { id, attempt } = await submitAndClaim(t, network);
  await t.store.jobs.finish(id, attempt, {
    status: 'failed',
    stopReason: null,
    error: { code: 'TRAINING_DIVERGED', message: 'diverged' },
    model: null,
    lastEpoch: 0,
    bestEpoch: null,
    finishedAt: new Date().toISOString(),
  });
  return id;
}

/** A running job, with a checkpoint of `layers` at `epoch` when given. */
export async function runningJob(
  t: TestApp,
  network: NetworkDefinition,
  checkpoint?: { layers: LayerParameters[]; epoch: number },
): Promise<string> {
  const { id, attempt } = await submitAndClaim(t, network);
  if (checkpoint) {
    const state = encodeCheckpoint({
      epoch: checkpoint.epoch,
      cost: 0.5,
      elapsedMs: 1,
      best: null,
      parameters: checkpoint.layers.flatMap(({ W, b }) => [W.data.slice(), b.data.slice()]),
      optimizer: { iterations: 0, slots: [] },
      random: new Random(1).state(),
    });
    await t.store.jobs.recordProgress(id, attempt, {
      items: [],
      epoch: checkpoint.epoch,
      cost: 0.5,
      validationCost: null,
      bestEpoch: null,
      checkpoint: { epoch: checkpoint.epoch, state },
    });
  }
  return id;
}
