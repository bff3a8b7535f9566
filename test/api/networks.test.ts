import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, XOR_NETWORK, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

function postNetwork(payload: unknown) {
  return t.app.inject({ method: 'POST', url: '/v1/networks', payload: payload as object });
}

function problemPaths(response: { json(): { errors: { path: string }[] } }): string[] {
  return response.json().errors.map((error) => error.path);
}

describe('POST /v1/networks', () => {
  it("stores the lecture's 2-10-1 network with its parameter count: 201, Location", async () => {
    const response = await postNetwork(XOR_NETWORK);

    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.id).toMatch(/^net_/);
    expect(body).toMatchObject({
      ...XOR_NETWORK,
      initializer: 'glorotUniform',
      parameterCount: 2 * 10 + 10 + 10 * 1 + 1,
    });
    expect(response.headers.location).toBe(`/v1/networks/${body.id}`);
  });

  it("keeps leakyRelu's alpha and the initializer asked for", async () => {
    const response = await postNetwork({
      inputSize: 3,
      layers: [
        { units: 4, activation: 'leakyRelu', alpha: 0.1 },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
      initializer: 'heNormal',
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      initializer: 'heNormal',
      layers: [
        { units: 4, activation: 'leakyRelu', alpha: 0.1 },
        { units: 3, activation: 'softmax' },
      ],
    });
  });

  it('rejects softmax before the last layer at layers[0].activation', async () => {
    const response = await postNetwork({
      inputSize: 2,
      layers: [
        { units: 2, activation: 'softmax' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'meanSquaredError',
    });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'layers[0].activation', message: 'softmax is allowed on the last layer only' },
    ]);
  });

  it('rejects alpha on an activation other than leakyRelu', async () => {
    const response = await postNetwork({
      inputSize: 2,
      layers: [{ units: 1, activation: 'relu', alpha: 0.3 }],
      loss: 'meanSquaredError',
    });

    expect(response.statusCode).toBe(400);
    expect(problemPaths(response)).toEqual(['layers[0].alpha']);
  });

  it('names each bad field: units, activation, loss, initializer, inputSize', async () => {
    const response = await postNetwork({
      inputSize: 0,
      layers: [
        { units: 2, activation: 'sigmoid' },
        { units: 1.5, activation: 'swish' },
      ],
      loss: 'hinge',
      initializer: 'ones',
    });

    expect(response.statusCode).toBe(400);
    expect(problemPaths(response).sort()).toEqual([
      'initializer',
      'inputSize',
      'layers[1].activation',
      'layers[1].units',
      'loss',
    ]);
    expect(
      response.json().errors.find((error: { path: string }) => error.path === 'layers[1].units')
        .message,
    ).toBe('units must be a positive integer');
  });

  it('rejects an empty layer list and an unknown field', async () => {
    const empty = await postNetwork({ ...XOR_NETWORK, layers: [] });
    const unknown = await postNetwork({ ...XOR_NETWORK, dropout: 0.5 });

    expect(empty.statusCode).toBe(400);
    expect(empty.json().errors).toEqual([{ path: 'layers', message: 'needs at least one layer' }]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].message).toContain('dropout');
  });

  it('refuses a network above the configured limits with 422 LIMIT_EXCEEDED', async () => {
    const response = await postNetwork({
      ...XOR_NETWORK,
      layers: [
        { units: 100_000, activation: 'relu' },
        { units: 1, activation: 'sigmoid' },
      ],
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      errors: [{ path: 'layers[0].units' }],
    });
  });

  it('answers 415 for a CSV body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/networks',
      headers: { 'content-type': 'text/csv' },
      payload: 'inputSize\n2\n',
    });

    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /v1/networks/{id}', () => {
  it('returns the stored definition', async () => {
    const created = (await postNetwork(XOR_NETWORK)).json();

    const response = await t.app.inject({ method: 'GET', url: `/v1/networks/${created.id}` });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(created);
  });

  it('answers 404 for an unknown network', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/v1/networks/net_00000000000000000000',
    });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({
      code: 'NOT_FOUND',
      detail: 'network net_00000000000000000000 not found',
    });
  });
});

describe('GET /v1/networks', () => {
  it('lists networks newest first and pages with the cursor', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push((await postNetwork(XOR_NETWORK)).json().id);

    const first = (await t.app.inject({ method: 'GET', url: '/v1/networks?limit=2' })).json();
    const second = (
      await t.app.inject({ method: 'GET', url: `/v1/networks?limit=2&cursor=${first.nextCursor}` })
    ).json();

    expect(first.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
    expect(second.items.map((item: { id: string }) => item.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
  });

  it('rejects limit=0 with 400', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/networks?limit=0' });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe('limit');
  });
});
