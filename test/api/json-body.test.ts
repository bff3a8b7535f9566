import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OFF_THREAD_JSON_BYTES } from '../../src/api/off-thread-json.js';
import { createTestApp, XOR, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const post = (body: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/datasets',
    headers: { 'content-type': 'application/json' },
    payload: body,
  });

describe('JSON request bodies', () => {
  it.each([
    ['__proto__', '{"inputs": [[0]], "targets": [[0]], "__proto__": {"polluted": true}}'],
    ['constructor', '{"inputs": [[0]], "targets": [[0]], "constructor": {"prototype": {}}}'],
    [
      '__proto__ written with \\u escapes',
      '{"inputs": [[0]], "targets": [[0]], "\\u005f\\u005fproto\\u005f\\u005f": {}}',
    ],
  ])('refuses a %s key with 400', async (_case, body) => {
    const response = await post(body);

    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('VALIDATION_FAILED');
    expect(response.json().detail).toContain('is not allowed');
  });

  it('parses a plain body of numbers', async () => {
    const response = await post(JSON.stringify(XOR));

    expect(response.statusCode).toBe(201);
  });

  describe('of a megabyte or more, parsed on the parser thread', () => {
    /** A dataset whose JSON is larger than OFF_THREAD_JSON_BYTES: 6,000 rows of 20 inputs. */
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
      expect(body.length).toBeGreaterThan(OFF_THREAD_JSON_BYTES);

      const response = await post(body);

      expect(response.statusCode).toBe(201);
      expect(response.json()).toMatchObject({ rows: 6000, inputSize: 20, targetSize: 1 });
      const values = await t.store.datasets.values(response.json().id);
      expect(Array.from(values!.inputs)).toEqual(dataset.inputs.flat());
      expect(Array.from(values!.targets)).toEqual(dataset.targets.flat());
    });

    it('answers 400 for broken JSON, a forbidden key and too deep a nesting, as small bodies', async () => {
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
});
