import { afterEach, describe, expect, it } from 'vitest';
import { OffThreadJsonParser } from '../../src/api/off-thread-json.js';

let parser: OffThreadJsonParser | undefined;
afterEach(async () => {
  await parser?.close();
  parser = undefined;
});

const encode = (text: string) => new TextEncoder().encode(text);

describe('the off-thread JSON parser', () => {
  it('parses on its thread to the value JSON.parse makes, matrices and all', async () => {
    parser = new OffThreadJsonParser();
    const body = {
      inputs: Array.from({ length: 500 }, (_, row) => [row, -row / 3, 1e300, -0.5]),
      targets: Array.from({ length: 500 }, (_, row) => [row % 2]),
      name: 'ünïcödé ✓',
      options: { every: [1, 2, 3], nested: [{ a: null }] },
    };
    const text = JSON.stringify(body);

    expect(await parser.parse(encode(text))).toStrictEqual(JSON.parse(text));
    // Twice, and two at once: the thread stays and takes one body after the other.
    const both = await Promise.all([parser.parse(encode(text)), parser.parse(encode('[1]'))]);
    expect(both).toStrictEqual([JSON.parse(text), [1]]);
  });

  it('rejects what the HTTP thread rejects, with a 400 and the reason', async () => {
    parser = new OffThreadJsonParser();
    const cases: [string, string][] = [
      ['{"inputs": [[1, 2]', 'JSON'],
      ['{"constructor": {}}', 'the key "constructor" is not allowed'],
      [`${'['.repeat(70)}${']'.repeat(70)}`, 'JSON nested deeper than 64 levels'],
      ['', 'the JSON body is empty'],
    ];
    for (const [text, message] of cases) {
      const failure = await parser.parse(encode(text)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SyntaxError);
      expect(failure).toMatchObject({ statusCode: 400 });
      expect((failure as Error).message).toContain(message);
    }
  });
});
