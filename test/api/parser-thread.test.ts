import { afterEach, describe, expect, it } from 'vitest';
import { parseCsvDataset } from '../../src/api/csv.js';
import { ParserThread } from '../../src/api/parser-thread.js';
import { ValidationError } from '../../src/errors.js';

let parser: ParserThread | undefined;
afterEach(async () => {
  await parser?.close();
  parser = undefined;
});

const encode = (text: string) => new TextEncoder().encode(text);

describe('the parser thread', () => {
  it('parses on its thread to the value JSON.parse makes, matrices and all', async () => {
    parser = new ParserThread();
    const body = {
      inputs: Array.from({ length: 500 }, (_, row) => [row, -row / 3, 1e300, -0.5]),
      targets: Array.from({ length: 500 }, (_, row) => [row % 2]),
      name: 'ünïcödé ✓',
      options: { every: [1, 2, 3], nested: [{ a: null }] },
    };
    const text = JSON.stringify(body);

    expect(await parser.parseJson(encode(text))).toStrictEqual(JSON.parse(text));
    // Twice, and two at once: the thread stays and takes one body after the other.
    const both = await Promise.all([
      parser.parseJson(encode(text)),
      parser.parseJson(encode('[1]')),
    ]);
    expect(both).toStrictEqual([JSON.parse(text), [1]]);
  });

  it('rejects what the HTTP thread rejects, with a 400 and the reason', async () => {
    parser = new ParserThread();
    const cases: [string, string][] = [
      ['{"inputs": [[1, 2]', 'JSON'],
      ['{"constructor": {}}', 'the key "constructor" is not allowed'],
      [`${'['.repeat(70)}${']'.repeat(70)}`, 'JSON nested deeper than 64 levels'],
      ['', 'the JSON body is empty'],
      // A byte order mark is refused, as Buffer#toString keeps it on the HTTP thread.
      ['\uFEFF{"inputs": [[1]]}', 'JSON'],
    ];
    for (const [text, message] of cases) {
      const failure = await parser.parseJson(encode(text)).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SyntaxError);
      expect(failure).toMatchObject({ statusCode: 400 });
      expect((failure as Error).message).toContain(message);
    }
  });

  it('reads a CSV dataset as the route does, and names a bad cell by line and column', async () => {
    parser = new ParserThread();
    const lines = [
      'x1,x2,y',
      ...Array.from({ length: 2000 }, (_, row) => `${row},${-row / 4},${row % 2}`),
    ];

    expect(await parser.parseCsv(lines.join('\n'), { targets: 'y' })).toStrictEqual(
      parseCsvDataset(lines.join('\n'), { targets: 'y' }),
    );

    lines[1500] = '1,oops,0';
    const text = lines.join('\n');
    const failure = await parser.parseCsv(text, { targets: 'y' }).catch((error: unknown) => error);
    const inline = (() => {
      try {
        parseCsvDataset(text, { targets: 'y' });
      } catch (error) {
        return error as ValidationError;
      }
    })();
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).message).toBe(inline!.message);
    expect((failure as ValidationError).errors).toEqual(inline!.errors);
    expect((failure as ValidationError).errors).toContainEqual(
      expect.objectContaining({ path: 'rows[1499].x2' }),
    );
  });
});
