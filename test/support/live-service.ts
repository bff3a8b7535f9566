import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/service.js';

export interface LiveService {
  readonly service: Service;
  readonly url: string;
  /** JSON request against the running server; rejects on a non-2xx answer. */
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Polls a job until `predicate` holds. */
  waitForJob(
    id: string,
    predicate: (job: JobView) => boolean,
    timeoutMs?: number,
  ): Promise<JobView>;
  stop(): Promise<void>;
}

export interface JobView {
  id: string;
  status: string;
  cancelRequested: boolean;
  progress: { epoch: number; epochs: number };
}

/**
 * The real service (SQLite file in a temporary folder, worker threads, HTTP on a free port),
 * as `npm start` runs it.
 */
export async function startLiveService(env: Record<string, string> = {}): Promise<LiveService> {
  const dataDir = await mkdtemp(join(tmpdir(), 'chainrule-live-'));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    WORKERS: '1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await startService(config, { logger: createLogger('silent') });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  return {
    service,
    url: service.url,
    call,
    async waitForJob(id, predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await call<JobView>('GET', `/v1/jobs/${id}`);
        if (predicate(job)) return job;
        if (Date.now() > deadline)
          throw new Error(`job ${id} still ${job.status} at epoch ${job.progress.epoch}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      await service.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The lecture's XOR on a network wide enough that an epoch takes about a millisecond: long
 * jobs then run long enough to be watched, and a cancelled one has sent a few hundred epochs,
 * not hundreds of thousands.
 */
export function slowXorJob(epochs: number) {
  return {
    network: {
      inputSize: 2,
      layers: [
        { units: 128, activation: 'tanh' },
        { units: 128, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
    },
    dataset: {
      inputs: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      targets: [[0], [1], [1], [0]],
    },
    training: { epochs, optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 1 },
  };
}
