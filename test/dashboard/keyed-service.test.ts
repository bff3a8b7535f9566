import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEventStream } from '../../dashboard/src/sse-client.js';
import type { ServerSentEvent } from '../../dashboard/src/sse-parser.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { slowXorJob, startLiveService, type LiveService } from '../support/live-service.js';

/**
 * What the dashboard relies on, against the real service with API keys (SQLite file, worker
 * threads, HTTP): its event stream client follows a job with the key in a header through a
 * connection dropped mid-stream, and TF.js loads a model with the key in `requestInit`,
 * as the dashboard and the README tell users to.
 */

const ALPHA = 'alpha-key-0123456789abcdef';
const BETA = 'beta-key-fedcba9876543210';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let live: LiveService;

beforeAll(async () => {
  live = await startLiveService({
    API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
    RATE_LIMIT_PER_MINUTE: '0',
  });
});

afterAll(async () => {
  await live?.stop();
});

async function call<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
  const response = await fetch(`${live.url}${path}`, {
    method,
    headers: {
      ...bearer(key),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

describe("the dashboard's event stream client on a service with API keys", () => {
  it('follows a job across a dropped connection: each epoch once, in order, then end', async () => {
    const long = slowXorJob(1_000_000);
    const job = await call<{ id: string }>('POST', '/v1/jobs', ALPHA, {
      ...long,
      training: { ...long.training, timeLimitSeconds: 3 },
    });
    const proxy = await startCuttingProxy(live.url);
    const events: ServerSentEvent[] = [];
    const lastEpoch = () =>
      Number(events.filter((event) => event.type === 'epoch').at(-1)?.id ?? 0);
    /** The last epoch received when each connection was lost. */
    const lastEpochAtDrops: number[] = [];
    const stream = openEventStream({
      url: `${proxy.url}/v1/jobs/${job.id}/events`,
      headers: () => bearer(ALPHA),
      onConnection: (connected) => {
        if (!connected) lastEpochAtDrops.push(lastEpoch());
      },
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'end') stream.close();
      },
    });

    try {
      await vi.waitFor(() => expect(lastEpoch()).toBeGreaterThan(20), {
        timeout: 30_000,
        interval: 20,
      });
      expect(proxy.cutStreams()).toBe(1);
      await vi.waitFor(() => expect(stream.isClosed).toBe(true), {
        timeout: 60_000,
        interval: 100,
      });
    } finally {
      stream.close();
      await proxy.close();
    }

    type JobView = { status: string; progress: { epoch: number } };
    const finished = await call<JobView>('GET', `/v1/jobs/${job.id}`, ALPHA);
    const epochs = events
      .filter((event) => event.type === 'epoch')
      .map((event) => JSON.parse(event.data).epoch);
    expect(finished.status).toBe('succeeded');
    expect(epochs).toEqual(
      Array.from({ length: finished.progress.epoch }, (_, index) => index + 1),
    );
    expect(JSON.parse(events.at(-1)!.data)).toEqual({
      status: 'succeeded',
      epoch: finished.progress.epoch,
    });
    // One reconnect, which resumed after the last epoch the dropped connection delivered.
    expect(lastEpochAtDrops).toHaveLength(1);
    expect(proxy.lastEventIds).toEqual([null, String(lastEpochAtDrops[0])]);
  }, 90_000);

  it("passes on a refusal and stops: 401 without a key, 404 for another tenant's job", async () => {
    const job = await call<{ id: string }>('POST', '/v1/jobs', ALPHA, slowXorJob(5));
    const refusals: number[] = [];
    const follow = (headers: Record<string, string>) => {
      const stream = openEventStream({
        url: `${live.url}/v1/jobs/${job.id}/events`,
        headers: () => headers,
        onEvent: () => undefined,
        onRefused: async (response) => {
          refusals.push(response.status);
          return false;
        },
      });
      return vi.waitFor(() => expect(stream.isClosed).toBe(true));
    };

    await follow({});
    await follow(bearer(BETA));

    expect(refusals).toEqual([401, 404]);
  });
});

describe('TF.js with an API key', () => {
  it('loads model.json and weights.bin with the key in requestInit, not without it', async () => {
    const job = await call<{ id: string }>('POST', '/v1/jobs', ALPHA, slowXorJob(50));
    const statusOf = async () =>
      (await call<{ status: string }>('GET', `/v1/jobs/${job.id}`, ALPHA)).status;
    await vi.waitFor(async () => expect(await statusOf()).toBe('succeeded'), {
      timeout: 30_000,
      interval: 50,
    });
    const url = `${live.url}/v1/jobs/${job.id}/tfjs/model.json`;
    const inputs = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const predicted = await call<{ outputs: number[][] }>(
      'POST',
      `/v1/jobs/${job.id}/predict`,
      ALPHA,
      { inputs },
    );

    const model = await tf.loadLayersModel(url, {
      requestInit: { headers: { Authorization: `Bearer ${ALPHA}` } },
    });
    const outputs = model.predict(tf.tensor2d(inputs)) as tf.Tensor;
    const values = Array.from(await outputs.data());
    model.dispose();
    outputs.dispose();

    predicted.outputs.flat().forEach((value, index) => expect(values[index]).toBeCloseTo(value, 5));
    await expect(tf.loadLayersModel(url)).rejects.toThrow(/401/);
  });
});
