import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const job = (overrides: Record<string, unknown> = {}) => ({
  network: XOR_NETWORK,
  dataset: XOR,
  training: { epochs: 10 },
  ...overrides,
});

/** Posts `body` to `url` under `limits`, expecting 422 LIMIT_EXCEEDED naming the limit. */
async function expectLimit(
  limits: Record<string, string>,
  url: string,
  body: unknown,
  limit: string,
  allowed: number,
  path: string,
) {
  t = await createTestApp(limits);
  const response = await t.app.inject({ method: 'POST', url, payload: body as object });
  expect(response.statusCode).toBe(422);
  const problem = response.json();
  expect(problem).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ path }] });
  expect(problem.detail).toContain(limit);
  expect(problem.detail).toContain(String(allowed));
}

describe('configured limits', () => {
  it('refuse a network with more parameters than MAX_PARAMETERS', async () => {
    await expectLimit(
      { MAX_PARAMETERS: '40' },
      '/v1/jobs',
      job(),
      'parameters per network',
      40,
      'network',
    );
  });

  it('refuse more layers than MAX_LAYERS', async () => {
    const network = {
      ...XOR_NETWORK,
      layers: [...Array(3).fill({ units: 2, activation: 'tanh' }), XOR_NETWORK.layers[1]],
    };
    await expectLimit({ MAX_LAYERS: '3' }, '/v1/networks', network, 'layers', 3, 'layers');
  });

  it('refuse a layer wider than MAX_UNITS', async () => {
    await expectLimit(
      { MAX_UNITS: '8' },
      '/v1/jobs',
      job(),
      'units per layer',
      8,
      'network.layers[0].units',
    );
  });

  it('refuse more epochs than MAX_EPOCHS', async () => {
    await expectLimit({ MAX_EPOCHS: '5' }, '/v1/jobs', job(), 'epochs', 5, 'training.epochs');
  });

  it('refuse more rows × epochs than MAX_WORK', async () => {
    await expectLimit(
      { MAX_WORK: '39' },
      '/v1/jobs',
      job(),
      'rows × epochs',
      39,
      'training.epochs',
    );
  });

  it('refuse a dataset with more rows than MAX_DATASET_ROWS', async () => {
    await expectLimit({ MAX_DATASET_ROWS: '3' }, '/v1/datasets', XOR, 'dataset rows', 3, 'inputs');
  });

  it('refuse a dataset with more columns than MAX_DATASET_COLUMNS', async () => {
    await expectLimit(
      { MAX_DATASET_COLUMNS: '2' },
      '/v1/datasets',
      XOR,
      'dataset columns',
      2,
      'inputs[0]',
    );
  });

  it('refuse a dataset larger than MAX_DATASET_BYTES, also inline in a job', async () => {
    await expectLimit(
      { MAX_DATASET_BYTES: '64' },
      '/v1/jobs',
      job(),
      'dataset bytes',
      64,
      'dataset.inputs',
    );
  });

  it('answer a body over BODY_LIMIT_MB with 413 PAYLOAD_TOO_LARGE', async () => {
    t = await createTestApp({ BODY_LIMIT_MB: '0.001' });
    const inputs = Array.from({ length: 200 }, () => [0.123456, 0.654321]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets',
      payload: { inputs, targets: inputs.map(() => [1]) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('answer a full queue with 503 QUEUE_FULL and Retry-After, and keep queued jobs', async () => {
    t = await createTestApp({ QUEUE_LIMIT: '2' });
    for (let i = 0; i < 2; i++) {
      expect(
        (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: job() })).statusCode,
      ).toBe(202);
    }
    const response = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: job() });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'QUEUE_FULL' });
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(await t.store.jobs.countWaiting()).toBe(2);
    // Nothing of the refused job was stored: no orphaned inline dataset either.
    expect((await t.store.datasets.list('default', { limit: 10 })).items).toHaveLength(2);
  });
});
