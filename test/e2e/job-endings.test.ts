import { afterEach, describe, expect, it } from 'vitest';
import {
  fetchHistory,
  startRunningService,
  type RunningService,
} from '../support/running-service.js';
import { syntheticDataset } from '../support/training-fixtures.js';

let running: RunningService | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const regression = syntheticDataset(64, 4, 1, 5);
const network = {
  inputSize: 4,
  layers: [
    { units: 16, activation: 'relu' },
    { units: 1, activation: 'linear' },
  ],
  loss: 'meanSquaredError',
};

describe('a job whose training diverges', () => {
  it('fails with TRAINING_DIVERGED naming the epoch, keeping its history up to then', async () => {
    running = await startRunningService();
    const { body } = await running.request('POST', '/v1/jobs', {
      network,
      dataset: { inputs: regression.inputs, targets: regression.targets.map(([y]) => [y * 1e6]) },
      training: { epochs: 500, optimizer: { type: 'sgd', learningRate: 10 }, seed: 1 },
    });

    const job = await running.waitForJob(body.id);
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'TRAINING_DIVERGED' },
      stopReason: null,
    });
    const epoch = Number(/epoch (\d+)/.exec(job.error.message)![1]);
    const history = await fetchHistory(running, body.id);
    expect(history.map((item) => item.epoch)).toEqual(
      Array.from({ length: epoch - 1 }, (_, i) => i + 1),
    );
    expect((await running.request('GET', `/v1/jobs/${body.id}/model`)).body.code).toBe(
      'MODEL_UNAVAILABLE',
    );
  });
});

describe('a job past its timeLimitSeconds', () => {
  it('stops with stopReason timeLimit and the weights of its last finished epoch', async () => {
    running = await startRunningService();
    const { body } = await running.request('POST', '/v1/jobs', {
      network,
      dataset: regression,
      training: { epochs: 1_000_000, batchSize: 8, seed: 2, timeLimitSeconds: 0.5 },
    });

    const job = await running.waitForJob(body.id);
    expect(job).toMatchObject({ status: 'succeeded', stopReason: 'timeLimit', error: null });
    expect(job.progress.epoch).toBeGreaterThan(0);
    expect(job.progress.epoch).toBeLessThan(1_000_000);
    const model = (await running.request('GET', `/v1/jobs/${body.id}/model`)).body;
    expect(model.epoch).toBe(job.progress.epoch);
    expect((await fetchHistory(running, body.id)).at(-1).epoch).toBe(job.progress.epoch);
  });
});

describe('checkpoints of a running job', () => {
  it('are stored every CHECKPOINT_EVERY_EPOCHS epochs with the history up to them', async () => {
    running = await startRunningService({
      CHECKPOINT_EVERY_EPOCHS: '250',
      CHECKPOINT_EVERY_SECONDS: '3600',
    });
    const { body } = await running.request('POST', '/v1/jobs', {
      network,
      dataset: regression,
      training: { epochs: 200_000, batchSize: 8, seed: 3 },
    });

    const seen = new Set<number>();
    for (let i = 0; seen.size < 3 && i < 2000; i++) {
      const answer = await running.request('GET', `/v1/jobs/${body.id}/model?checkpoint=latest`);
      if (answer.status === 200) {
        seen.add(answer.body.epoch);
        // The history up to a stored checkpoint is always stored too: one transaction.
        const history = (
          await running.request(
            'GET',
            `/v1/jobs/${body.id}/history?after=${answer.body.epoch - 1}&limit=1`,
          )
        ).body;
        expect(history.items[0]?.epoch).toBe(answer.body.epoch);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
    for (const epoch of seen) expect(epoch % 250).toBe(0);
    await running.request('POST', `/v1/jobs/${body.id}/cancel`);
    await running.waitForJob(body.id);
  }, 60_000);

  it('are also stored every CHECKPOINT_EVERY_SECONDS however slow the epochs', async () => {
    running = await startRunningService({
      CHECKPOINT_EVERY_EPOCHS: '100000000',
      CHECKPOINT_EVERY_SECONDS: '0.2',
    });
    const { body } = await running.request('POST', '/v1/jobs', {
      network,
      dataset: regression,
      training: { epochs: 1_000_000, batchSize: 8, seed: 4 },
    });
    expect(body.id).toBeDefined();

    let checkpointEpoch = 0;
    for (let i = 0; checkpointEpoch === 0 && i < 400; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const answer = await running.request('GET', `/v1/jobs/${body.id}/model?checkpoint=latest`);
      if (answer.status === 200) checkpointEpoch = answer.body.epoch;
    }
    expect(checkpointEpoch).toBeGreaterThan(0);
    await running.request('POST', `/v1/jobs/${body.id}/cancel`);
    expect(await running.waitForJob(body.id)).toMatchObject({
      status: 'cancelled',
      stopReason: 'cancelled',
    });
  }, 60_000);
});
