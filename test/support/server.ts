import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type Service } from '../../src/service.js';

/** A fresh temporary DATA_DIR for one real service. */
export function temporaryDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'chainrule-e2e-'));
}

/**
 * The real service: SQLite file in `dataDir`, a piscina pool of real worker threads (which load
 * workers/train-job.ts through tsx), an HTTP server on a free port of 127.0.0.1.
 */
export async function startRealService(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<Service> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    WORKERS: '2',
    ...env,
  });
  return startService(config, { logger: createLogger(config.logLevel) });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;

  readonly body: any;
}

/** A small JSON client over real HTTP (fetch), for one base URL. */
export function httpClient(baseUrl: string) {
  async function send(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : null,
    };
  }
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body: unknown = {}) => send('POST', path, body),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/**
 * Polls `read` until `done` holds for its value. Bounded by a number of polls, not a duration
 * asserted on: the bound only keeps a broken build from hanging the suite.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  { intervalMs = 20, polls = 2_500 } = {},
): Promise<T> {
  let value = await read();
  for (let poll = 0; !done(value); poll++) {
    if (poll >= polls)
      throw new Error(
        `gave up waiting for ${what}; last seen: ${JSON.stringify(value).slice(0, 500)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  return value;
}

/** Every history item of a job, following nextAfter page by page. */
export async function readWholeHistory(
  api: HttpClient,
  jobId: string,
): Promise<{ epoch: number; cost: number }[]> {
  const items: { epoch: number; cost: number }[] = [];
  let after: number | null = 0;
  while (after !== null) {
    const page: HttpAnswer = await api.get(`/v1/jobs/${jobId}/history?after=${after}&limit=500`);
    items.push(...page.body.items);
    after = page.body.nextAfter;
  }
  return items;
}

export const XOR_DATASET = {
  name: 'xor',
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};

/** The lecture's network: 2 inputs, 10 sigmoid hidden units, 1 sigmoid output. */
export const XOR_2_10_1 = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};

/** 64 points of the unit square labelled like XOR: enough rows to make an epoch take a while. */
function noisyXor(rows: number) {
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let row = 0; row < rows; row++) {
    const x = ((row * 7919) % 97) / 97;
    const y = ((row * 104_729) % 89) / 89;
    inputs.push([x, y]);
    targets.push([x > 0.5 !== y > 0.5 ? 1 : 0]);
  }
  return { inputs, targets };
}

/**
 * A job that runs for minutes (about 0.3 ms an epoch, a million epochs), so that it is surely
 * seen running and can be stopped midway on any machine; tests cancel it.
 */
export function longJob(seed = 7) {
  return {
    network: {
      inputSize: 2,
      layers: [
        { units: 32, activation: 'tanh' },
        { units: 32, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
    },
    dataset: noisyXor(64),
    training: { epochs: 1_000_000, optimizer: { type: 'sgd', learningRate: 0.1 }, seed },
  };
}
