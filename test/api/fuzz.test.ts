import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_ERROR_CODES } from '../../src/errors.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../support/app.js';
import { startRunningService, type RunningService } from '../support/running-service.js';

/** Cases per property; the suite runs several thousand requests in all. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const KNOWN_CODES = Object.keys(HTTP_ERROR_CODES);

let t: TestApp;
let casesRun = 0;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
  console.info(`fuzz: ${casesRun} requests, 0 answered 5xx`);
});

const VALID_BODIES: Record<string, unknown> = {
  '/v1/datasets': { name: 'xor', ...XOR },
  '/v1/networks': XOR_NETWORK,
  '/v1/jobs': {
    network: XOR_NETWORK,
    dataset: XOR,
    training: { epochs: 5, batchSize: 2, optimizer: { type: 'adam' } },
  },
};

/** Every path into a JSON value, objects and arrays included, as key lists. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value))
    value.forEach((item, index) => paths.push(...pathsOf(item, [...prefix, index])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[path[0]] = replaceAt(copy[path[0]], path.slice(1), replacement);
  return copy;
}

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    -1,
    0,
    0.5,
    1e308,
    -1e308,
    2 ** 53,
    '',
    [],
    {},
    [[]],
    [[1, 2], [3]],
    'sigmoid',
    'adam',
    true,
  ),
);

/** A valid body with one place made odd: the inputs most likely to slip through. */
function mutated(route: string) {
  const valid = VALID_BODIES[route];
  const paths = pathsOf(valid);
  return fc
    .tuple(fc.integer({ min: 0, max: paths.length - 1 }), oddValue)
    .map(([index, replacement]) => replaceAt(valid, paths[index], replacement));
}

async function expectWellFormedAnswer(
  method: 'GET' | 'POST',
  url: string,
  payload?: string,
  type?: string,
) {
  const response = await t.app.inject({
    method,
    url,
    payload,
    headers: type
      ? { 'content-type': type }
      : payload !== undefined
        ? { 'content-type': 'application/json' }
        : {},
  });
  casesRun++;
  expect(response.statusCode, `${method} ${url} ${payload?.slice(0, 200)}`).toBeLessThan(500);
  if (response.statusCode >= 400) {
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(KNOWN_CODES).toContain(response.json().code);
  }
  return response;
}

describe.each(Object.keys(VALID_BODIES))('POST %s under fuzzing', (route) => {
  it('answers arbitrary JSON with 2xx or a 4xx problem of a known code, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (body) => {
        await expectWellFormedAnswer('POST', route, JSON.stringify(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers valid bodies with one value replaced without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(route), async (body) => {
        await expectWellFormedAnswer('POST', route, JSON.stringify(body));
      }),
      { numRuns: RUNS },
    );
  });

  it('answers arbitrary text under arbitrary content types without a 5xx', async () => {
    const type = fc.constantFrom(
      'application/json',
      'text/csv',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), type, async (text, contentType) => {
        await expectWellFormedAnswer('POST', route, text, contentType);
      }),
      { numRuns: RUNS / 2 },
    );
  });
});

describe('GET routes under fuzzing', () => {
  it('answer arbitrary query strings and ids without a 5xx', async () => {
    const routes = fc.constantFrom(
      '/v1/jobs',
      '/v1/datasets',
      '/v1/networks',
      '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaa/history',
      '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaa/model',
      '/v1/datasets/',
    );
    const query = fc.dictionary(
      fc.constantFrom('limit', 'cursor', 'status', 'after', 'checkpoint', 'x'),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.integer().map(String),
        fc.constantFrom('0', '500', '501', 'NaN', '1e3'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        routes,
        query,
        fc.string({ maxLength: 30 }),
        async (route, parameters, suffix) => {
          const search = new URLSearchParams(parameters).toString();
          const path = route.endsWith('/') ? `${route}${encodeURIComponent(suffix)}` : route;
          await expectWellFormedAnswer('GET', `${path}?${search}`);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('valid jobs under fuzzing', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startRunningService({ WORKERS: '2' });
  });
  afterAll(async () => {
    await running.stop();
  });

  const activation = fc.constantFrom('linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu');
  const validJob = fc
    .record({
      inputSize: fc.integer({ min: 1, max: 4 }),
      hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 6 }), activation }), {
        maxLength: 2,
      }),
      outputs: fc.integer({ min: 1, max: 3 }),
      loss: fc.constantFrom('meanSquaredError', 'binaryCrossentropy', 'categoricalCrossentropy'),
      rows: fc.integer({ min: 2, max: 12 }),
      seed: fc.integer({ min: 0, max: 1000 }),
      optimizer: fc.constantFrom('sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'),
      batchSize: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
      validationSplit: fc.constantFrom(0, 0.25),
    })
    .map((spec) => {
      const values = (count: number, width: number, classes = false) =>
        Array.from({ length: count }, (_, r) =>
          Array.from({ length: width }, (_, c) =>
            classes
              ? Number(c === (r + spec.seed) % width)
              : Math.sin(spec.seed + r * 7 + c * 3) * (spec.loss === 'meanSquaredError' ? 2 : 0.5) +
                (spec.loss === 'meanSquaredError' ? 0 : 0.5),
          ),
        );
      const last =
        spec.loss === 'categoricalCrossentropy'
          ? 'softmax'
          : spec.loss === 'binaryCrossentropy'
            ? 'sigmoid'
            : 'linear';
      return {
        network: {
          inputSize: spec.inputSize,
          layers: [...spec.hidden, { units: spec.outputs, activation: last }],
          loss: spec.loss,
        },
        dataset: {
          inputs: values(spec.rows, spec.inputSize),
          targets: values(spec.rows, spec.outputs, spec.loss === 'categoricalCrossentropy'),
        },
        training: {
          epochs: 30,
          seed: spec.seed,
          optimizer: { type: spec.optimizer },
          batchSize: spec.batchSize,
          validationSplit: spec.validationSplit,
        },
      };
    });

  it('train every generated valid job to succeeded, or to failed by divergence only', async () => {
    const ids: string[] = [];
    await fc.assert(
      fc.asyncProperty(validJob, async (job) => {
        const answer = await running.request('POST', '/v1/jobs', job);
        expect(answer.status, JSON.stringify(answer.body)).toBe(202);
        ids.push(answer.body.id);
      }),
      { numRuns: 40 },
    );

    for (const id of ids) {
      const job = await running.waitForJob(id);
      if (job.status === 'failed') expect(job.error.code).toBe('TRAINING_DIVERGED');
      else expect(job).toMatchObject({ status: 'succeeded', progress: { epoch: 30 } });
    }
  }, 120_000);
});
