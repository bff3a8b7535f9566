import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../support/server-process.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';
import { api, historyEpochs, waitUntil } from '../support/server-api.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-kill-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const binary = syntheticDataset(240, 8, 2, 11);
const classes = syntheticDataset(240, 8, 3, 12);
const regression = syntheticDataset(240, 8, 1, 13);

const network = (units: number, activation: string, loss: string) => ({
  inputSize: 8,
  layers: [
    { units: 24, activation: 'tanh' },
    { units: 12, activation: 'relu' },
    { units, activation },
  ],
  loss,
});

/** One job per optimizer, with shuffling, mini-batches (some with a remainder) and validation. */
const JOBS = [
  {
    network: network(2, 'softmax', 'categoricalCrossentropy'),
    dataset: binary,
    training: {
      epochs: 3000,
      batchSize: 16,
      optimizer: { type: 'sgd', learningRate: 0.05 },
      seed: 1,
      validationSplit: 0.2,
    },
  },
  {
    network: network(3, 'softmax', 'categoricalCrossentropy'),
    dataset: classes,
    training: {
      epochs: 3000,
      batchSize: 25,
      optimizer: { type: 'momentum', learningRate: 0.02, useNesterov: true },
      seed: 2,
    },
  },
  {
    network: network(3, 'softmax', 'categoricalCrossentropy'),
    dataset: classes,
    training: {
      epochs: 3000,
      batchSize: 32,
      optimizer: { type: 'adam', learningRate: 0.002 },
      seed: 3,
      validationSplit: 0.1,
    },
  },
  {
    network: network(1, 'linear', 'meanSquaredError'),
    dataset: regression,
    training: {
      epochs: 3000,
      batchSize: 50,
      optimizer: { type: 'rmsprop', centered: true },
      seed: 4,
    },
  },
  {
    network: network(1, 'tanh', 'meanSquaredError'),
    dataset: regression,
    training: {
      epochs: 3000,
      optimizer: { type: 'adagrad', learningRate: 0.05 },
      seed: 5,
      shuffle: false,
    },
  },
];

describe('a server killed with SIGKILL mid-training', () => {
  it("loses no job, repeats or skips no epoch; weights match an uninterrupted run's", async () => {
    const env = {
      DATA_DIR: dataDir,
      WORKERS: '2',
      CHECKPOINT_EVERY_EPOCHS: '100',
      LOG_LEVEL: 'warn',
    };
    let server = await spawnServer(env);
    const ids: string[] = [];
    for (const job of JOBS) ids.push((await api(server, 'POST', '/v1/jobs', job)).id);

    const progressOf = async () =>
      Promise.all(ids.map((id) => api(server, 'GET', `/v1/jobs/${id}`)));
    const kills = 2;
    for (let round = 0; round < kills; round++) {
      // Kill while some job is mid-training past a checkpoint, and while some work remains.
      await waitUntil(
        async () =>
          (await progressOf()).some(
            (job) =>
              job.status === 'running' &&
              job.progress.epoch > 150 &&
              job.progress.epoch < job.progress.epochs - 100,
          ),
        'a job is mid-training',
      );
      server.child.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      server = await spawnServer(env);
    }

    await waitUntil(
      async () =>
        (await progressOf()).every(
          (job) =>
            job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled',
        ),
      'every job finished',
    );
    const jobs = await progressOf();
    expect(jobs.map((job) => job.status)).toEqual(JOBS.map(() => 'succeeded'));
    expect(jobs.some((job) => job.attempts > 1)).toBe(true);

    let duplicated = 0;
    let missing = 0;
    for (const [index, job] of jobs.entries()) {
      const epochs = await historyEpochs(server, job.id);
      duplicated += epochs.length - new Set(epochs).size;
      missing += job.progress.epoch - new Set(epochs).size;
      expect(epochs).toEqual(Array.from({ length: job.progress.epoch }, (_, i) => i + 1));

      const model = await api(server, 'GET', `/v1/jobs/${job.id}/model`);
      const reference = trainDirectly(job.network, JOBS[index].dataset, job.training);
      expect(model.layers.map(({ W, b }: { W: number[][]; b: number[] }) => ({ W, b }))).toEqual(
        reference,
      );
    }

    console.info(
      `kill rounds survived: ${kills}; jobs: ${jobs.length}, lost: 0; attempts: ` +
        `${jobs.map((job) => job.attempts).join(', ')}; ` +
        `epochs duplicated: ${duplicated}, missing: ${missing}`,
    );

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 240_000);
});
