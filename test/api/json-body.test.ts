import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
