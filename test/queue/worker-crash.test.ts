import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRunningService, type RunningService } from '../support/running-service.js';

const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
const NETWORK = {
  inputSize: 2,
  layers: [
    { units: 4, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
const job = (epochs: number) => ({ network: NETWORK, dataset: XOR, training: { epochs, seed: 3 } });

let running: RunningService;
beforeEach(async () => {
  running = await startRunningService(
    { MAX_ATTEMPTS: '3', WORKERS: '2', WORKER_HEAP_MB: '64' },
    {
      workerFile: {
        filename: fileURLToPath(new URL('../support/crashing-worker.ts', import.meta.url)),
        execArgv: [...process.execArgv, '--import', 'tsx'],
      },
    },
  );
});
afterEach(async () => {
  await running.stop();
});

describe('a training worker that dies', () => {
  it('fails only its own attempt: the job is retried and succeeds; other jobs go on', async () => {
    const dying = (await running.request('POST', '/v1/jobs', job(13))).body.id;
    const healthy = (await running.request('POST', '/v1/jobs', job(400))).body.id;

    const retried = await running.waitForJob(dying);
    expect(retried).toMatchObject({ status: 'succeeded', attempts: 2, progress: { epoch: 13 } });
    expect(await running.waitForJob(healthy)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('contains a thread out of heap: only that attempt fails, and the retry succeeds', async () => {
    const hungry = (await running.request('POST', '/v1/jobs', job(19))).body.id;
    const healthy = (await running.request('POST', '/v1/jobs', job(500))).body.id;

    expect(await running.waitForJob(hungry)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await running.waitForJob(healthy)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await running.request('GET', '/healthz')).status).toBe(200);
  });

  it('ends the job failed with WORKER_CRASHED after maxAttempts attempts', async () => {
    const buggy = (await running.request('POST', '/v1/jobs', job(17))).body.id;
    const healthy = (await running.request('POST', '/v1/jobs', job(300))).body.id;

    const failed = await running.waitForJob(buggy);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'WORKER_CRASHED' },
    });
    expect(failed.error.message).toContain('planted bug');
    expect(await running.waitForJob(healthy)).toMatchObject({ status: 'succeeded' });

    const ready = await running.request('GET', '/readyz');
    expect(ready.status).toBe(200);
  });
});
