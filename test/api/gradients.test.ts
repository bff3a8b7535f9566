import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INFERENCE_LIMITS } from '../../src/api/inference-limits.js';
import { GradientExplanationSchema } from '../../src/api/schemas/gradients.js';
import {
  LECTURE_GRADIENTS_REQUEST,
  XOR_GRADIENTS_REQUEST,
} from '../../src/api/schemas/examples.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const explain = (payload: object) =>
  t.app.inject({ method: 'POST', url: '/v1/gradients', payload });

/** Zero weights of the right shapes for a chain of dense layers. */
function zeroLayers(inputSize: number, units: number[]) {
  let inputs = inputSize;
  return units.map((count) => {
    const layer = {
      W: Array.from({ length: inputs }, () => new Array(count).fill(0)),
      b: new Array(count).fill(0),
    };
    inputs = count;
    return layer;
  });
}

describe('POST /v1/gradients', () => {
  it("gives the lecture's x·W + b exactly: f = −7, ∂f/∂W = 5, ∂f/∂x = −2, ∂f/∂b = 1", async () => {
    const response = await explain(LECTURE_GRADIENTS_REQUEST);

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.outputs).toEqual([[-7]]);
    expect(body.gradients).toEqual({ inputs: [[-2]], layers: [{ W: [[5]], b: [1] }] });
    expect(body.cost).toBeUndefined();
    // The documented example is this very answer, node by node.
    expect(body).toEqual((GradientExplanationSchema.meta()!.examples as unknown[])[0]);
  });

  it('differentiates the cost given targets, agreeing with central differences', async () => {
    const body = (await explain(XOR_GRADIENTS_REQUEST)).json();
    const costWith = async (layer: number, row: number, column: number, delta: number) => {
      const layers = structuredClone(XOR_GRADIENTS_REQUEST.layers) as unknown as {
        W: number[][];
      }[];
      layers[layer].W[row][column] += delta;
      return (await explain({ ...XOR_GRADIENTS_REQUEST, layers })).json().cost as number;
    };

    expect(body.cost).toBeGreaterThan(0);
    for (const [layer, row, column] of [
      [0, 0, 0],
      [0, 1, 1],
      [1, 1, 0],
    ]) {
      const h = 1e-6;
      const numeric =
        ((await costWith(layer, row, column, h)) - (await costWith(layer, row, column, -h))) /
        (2 * h);
      expect(body.gradients.layers[layer].W[row][column]).toBeCloseTo(numeric, 6);
    }
    expect(body.nodes.at(-1)).toMatchObject({
      op: 'binaryCrossentropy',
      name: 'loss',
      gradient: [[1]],
    });
    expect(
      body.nodes.find((node: { name?: string }) => node.name === 'targets').gradient,
    ).toBeNull();
  });

  it('adds the l2 penalty to the cost and 2·l2·W to the weight gradients', async () => {
    const plain = (await explain(XOR_GRADIENTS_REQUEST)).json();

    const body = (await explain({ ...XOR_GRADIENTS_REQUEST, l2: 0.01 })).json();

    const squares = XOR_GRADIENTS_REQUEST.layers
      .flatMap(({ W }) => W.flat())
      .reduce((sum, w) => sum + w * w, 0);
    expect(body.cost).toBeCloseTo(plain.cost + 0.01 * squares, 12);
    expect(body.gradients.layers[1].W[0][0]).toBeCloseTo(
      plain.gradients.layers[1].W[0][0] + 2 * 0.01 * 8,
      12,
    );
  });

  it('explains a stored network by its id', async () => {
    const stored = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/networks',
        payload: LECTURE_GRADIENTS_REQUEST.network,
      })
    ).json();

    const response = await explain({ ...LECTURE_GRADIENTS_REQUEST, network: { id: stored.id } });

    expect(response.json().outputs).toEqual([[-7]]);
  });

  it('answers 404 naming network.id for an unknown stored network', async () => {
    const response = await explain({
      ...LECTURE_GRADIENTS_REQUEST,
      network: { id: 'net_00000000000000000000' },
    });

    expect(response.statusCode).toBe(404);
    expect(response.json().errors).toEqual([{ path: 'network.id', message: 'no such network' }]);
  });

  it.each([
    [
      'a W of the wrong shape',
      {
        layers: [
          {
            W: [
              [6, -4],
              [6, -4],
              [1, 1],
            ],
            b: [-2.5, 6],
          },
          XOR_GRADIENTS_REQUEST.layers[1],
        ],
      },
      'layers[0].W',
    ],
    [
      'a b of the wrong length',
      { layers: [XOR_GRADIENTS_REQUEST.layers[0], { W: [[8], [8]], b: [-12, 1] }] },
      'layers[1].b',
    ],
    ['too few layers of weights', { layers: [XOR_GRADIENTS_REQUEST.layers[0]] }, 'layers'],
    ['inputs of the wrong width', { inputs: [[0, 0, 1]], targets: [[0]] }, 'inputs'],
    [
      'targets of the wrong width',
      {
        targets: [
          [0, 1],
          [1, 0],
          [1, 0],
          [0, 1],
        ],
      },
      'targets',
    ],
    ['fewer targets than inputs', { targets: [[0], [1]] }, 'targets'],
  ])('answers 422 SHAPE_MISMATCH for %s, naming the field', async (_case, change, path) => {
    const response = await explain({ ...XOR_GRADIENTS_REQUEST, ...change });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'SHAPE_MISMATCH', errors: [{ path }] });
  });

  it('answers 400 for l2 without targets, naming l2', async () => {
    const response = await explain({ ...LECTURE_GRADIENTS_REQUEST, l2: 0.1 });

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: 'l2', message: 'l2 is part of the cost: give targets too' },
    ]);
  });

  it('applies the configured network limits with 422 LIMIT_EXCEEDED', async () => {
    const limited = await createTestApp({ MAX_UNITS: '4' });
    const network = {
      inputSize: 1,
      layers: [{ units: 5, activation: 'relu' }],
      loss: 'meanSquaredError',
    };

    const response = await limited.app.inject({
      method: 'POST',
      url: '/v1/gradients',
      payload: { network, layers: zeroLayers(1, [5]), inputs: [[1]] },
    });
    await limited.close();

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      errors: [{ path: 'network.layers[0].units' }],
    });
  });

  it('refuses a batch over the work limit, naming the most rows allowed', async () => {
    // 120,600 parameters: 2²⁵ rows × parameters allows 278 rows.
    const network = {
      inputSize: 200,
      layers: [
        { units: 200, activation: 'relu' },
        { units: 200, activation: 'relu' },
        { units: 200, activation: 'linear' },
      ],
      loss: 'meanSquaredError',
    };
    const allowed = Math.floor(INFERENCE_LIMITS.explainMaxWork / 120_600);

    const response = await explain({
      network,
      layers: zeroLayers(200, [200, 200, 200]),
      inputs: Array.from({ length: allowed + 1 }, () => new Array(200).fill(0)),
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'LIMIT_EXCEEDED', errors: [{ path: 'inputs' }] });
    expect(response.json().detail).toContain(`limited to ${allowed};`);
  });

  it('refuses a batch whose graph would hold more values than the answer may carry', async () => {
    // 3001 values per row (the input and three nodes of 1000 units) and 2000 parameters.
    const network = {
      inputSize: 1,
      layers: [{ units: 1000, activation: 'tanh' }],
      loss: 'meanSquaredError',
    };
    const rows = Math.floor((INFERENCE_LIMITS.explainMaxValues - 2000) / 3001) + 1;

    const response = await explain({
      network,
      layers: zeroLayers(1, [1000]),
      inputs: Array.from({ length: rows }, () => [1]),
    });

    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toContain('values in the explained graph is limited to 1000000');
  });
});
