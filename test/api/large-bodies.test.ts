import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFF_THREAD_BODY_BYTES } from '../../src/api/parser-thread.js';
import { createTestApp, type TestApp } from '../support/app.js';

/** Bodies this large are parsed on the parser thread: the same answers as the HTTP thread's. */

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const post = (body: string, contentType = 'application/json', query = '') =>
  t.app.inject({
    method: 'POST',
    url: `/v1/datasets${query}`,
    headers: { 'content-type': contentType },
    payload: body,
  });

describe('JSON bodies of a megabyte or more', () => {
  /** A dataset whose JSON is larger than OFF_THREAD_BODY_BYTES: 6,000 rows of 20 inputs. */
  const large = () => {
    const inputs = Array.from({ length: 6000 }, (_, row) =>
      Array.from({ length: 20 }, (_, col) => (row * 20 + col) / 7 - 500),
    );
    const targets = inputs.map((row) => [row[0] > 0 ? 1 : 0]);
    return { inputs, targets };
  };

  it('stores every value exactly as sent', async () => {
    const dataset = large();
    const body = JSON.stringify(dataset);
    expect(body.length).toBeGreaterThan(OFF_THREAD_BODY_BYTES);

    const response = await post(body);

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ rows: 6000, inputSize: 20, targetSize: 1 });
    const values = await t.store.datasets.values(response.json().id);
    expect(Array.from(values!.inputs)).toEqual(dataset.inputs.flat());
    expect(Array.from(values!.targets)).toEqual(dataset.targets.flat());
  });

  it('answers 400 for broken JSON, a forbidden key, deep nesting, as for small ones', async () => {
    const body = JSON.stringify(large());
    const cases: [string, string][] = [
      [body.slice(0, -1), 'not valid JSON'],
      [`{"__proto__": {}, ${body.slice(1)}`, 'the key "__proto__" is not allowed'],
      [`{"deep": ${'['.repeat(65)}${']'.repeat(65)}, ${body.slice(1)}`, 'nested deeper'],
    ];
    for (const [text, message] of cases) {
      const response = await post(text);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(response.json().detail).toContain(message);
    }
  });

  it('reports a bad value by its row and column, as small bodies do', async () => {
    const dataset = large();
    const inputs = dataset.inputs as unknown[][];
    inputs[4321][7] = 'x';

    const response = await post(JSON.stringify(dataset));

    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toContainEqual(
      expect.objectContaining({ path: 'inputs[4321][7]' }),
    );
  });
});

describe('CSV bodies of a megabyte or more', () => {
  /** 70,000 lines of three inputs and a target: larger than OFF_THREAD_BODY_BYTES. */
  const lines = () => [
    'a,b,c,y',
    ...Array.from({ length: 70_000 }, (_, row) => `${row / 8},${-row},${row % 7},${row % 2}`),
  ];

  it('stores every value exactly as sent', async () => {
    const text = lines().join('\n');
    expect(text.length).toBeGreaterThan(OFF_THREAD_BODY_BYTES);

    const response = await post(text, 'text/csv', '?targets=y');

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ rows: 70_000, inputSize: 3, targetSize: 1 });
    const values = await t.store.datasets.values(response.json().id);
    expect(values!.inputs.subarray(0, 8)).toEqual(
      Float64Array.from([0, 0, 0, 1 / 8, -1, 1, 2 / 8, -2]),
    );
    expect(values!.inputs[3 * 69_999 + 1]).toBe(-69_999);
    expect(Array.from(values!.targets.subarray(0, 4))).toEqual([0, 1, 0, 1]);
  });

  it('names a bad cell by its line and column', async () => {
    const bad = lines();
    bad[25_001] = '1,2,three,0';

    const response = await post(bad.join('\n'), 'text/csv', '?targets=y');

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
    expect(response.json().detail).toContain('line 25002, column "c"');
  });
});
