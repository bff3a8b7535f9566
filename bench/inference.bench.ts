/**
 * What serving a trained model costs, each figure a ratio against a reference measured in the
 * same run. Figures only: nothing here fails on timing.
 *
 * - POST /v1/jobs/{id}/predict (in-process, JSON both ways) against the engine's own
 *   predictor.predict on the same rows: the price of HTTP and JSON.
 * - A cold predict (a job never predicted before: weights read from SQLite, predictor built)
 *   against a warm one (served from the predictor cache).
 * - The longest stall of the event loop during a large prediction, run in slices, against its
 *   whole duration and against the same prediction in one pass: how long other requests wait;
 *   and during the whole request, whose 37 MB body is parsed on the parser thread.
 *
 *   npm run bench:inference            (ROUNDS=15 by default)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';
import {
  Random,
  countParameters,
  createPredictor,
  initializeParameters,
  matrixFromRows,
  outputSize,
  type LayerParameters,
  type NetworkDefinition,
} from '../src/engine/index.js';
import { predictInSlices } from '../src/api/predict-in-slices.js';
import { predictSliceRows } from '../src/api/inference-limits.js';
import { createLogger } from '../src/logger.js';
import { JobEvents } from '../src/queue/job-events.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';

const ROUNDS = Number(process.env.ROUNDS ?? 15);

const XOR: NetworkDefinition = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
const MNIST_LIKE: NetworkDefinition = {
  inputSize: 784,
  layers: [
    { units: 128, activation: 'relu' },
    { units: 10, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

const store = SqliteStore.open(':memory:');
const app = await buildApp({
  config: loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' }),
  store,
  events: new JobEvents(),
  logger: createLogger('silent'),
  dispatcher: { wake: () => undefined, cancel: () => undefined },
  isPoolUsable: () => true,
});

/** Rows of values in [0, 1] with three decimals, as pixel intensities or scaled features come. */
function randomRows(count: number, width: number, random: Random): number[][] {
  return Array.from({ length: count }, () =>
    Array.from({ length: width }, () => Math.round(random.uniformBetween(0, 1) * 1000) / 1000),
  );
}

/** A finished job with `layers` as its model, made via the API and the store, as a worker would. */
async function jobWithModel(
  network: NetworkDefinition,
  layers: LayerParameters[],
): Promise<string> {
  const random = new Random(1);
  await app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: {
      network,
      dataset: {
        inputs: randomRows(2, network.inputSize, random),
        targets: randomRows(2, outputSize(network), random),
      },
      training: { epochs: 1 },
    },
  });
  const claimed = (await store.jobs.claimNext({
    owner: 'bench',
    now: Date.now(),
    leaseMs: 60_000,
    maxAttempts: 3,
    startedAt: new Date().toISOString(),
  }))!;
  await store.jobs.finish(claimed.job.id, claimed.job.attempts, {
    status: 'succeeded',
    stopReason: 'epochs',
    error: null,
    model: { epoch: 1, cost: 0, layers },
    lastEpoch: 1,
    bestEpoch: 1,
    finishedAt: new Date().toISOString(),
  });
  return claimed.job.id;
}

async function predictOverHttp(id: string, inputs: number[][]): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/jobs/${id}/predict`,
    payload: { inputs },
  });
  if (response.statusCode !== 200) throw new Error(response.body);
}

async function medianMs(run: () => unknown | Promise<unknown>, rounds = ROUNDS): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const format = (ms: number) => `${ms.toFixed(2)} ms`;

for (const [name, network, rows] of [
  ['xor, 4 rows', XOR, 4],
  ['784-128-10, 100 rows', MNIST_LIKE, 100],
] as const) {
  const layers = initializeParameters(network, new Random(2));
  const inputs = randomRows(rows, network.inputSize, new Random(3));
  const id = await jobWithModel(network, layers);
  // Warm-up: JIT, the predictor cache and the graphs of this batch height.
  for (let round = 0; round < 20; round++) await predictOverHttp(id, inputs);

  const predictor = createPredictor(network, layers);
  const matrix = matrixFromRows(inputs);
  const engine = await medianMs(() => predictor.predict(matrix));
  const http = await medianMs(() => predictOverHttp(id, inputs));

  const coldIds: string[] = [];
  for (let round = 0; round < ROUNDS; round++) coldIds.push(await jobWithModel(network, layers));
  let next = 0;
  const cold = await medianMs(() => predictOverHttp(coldIds[next++], inputs));

  console.log(`${name} (${countParameters(network)} parameters)`);
  console.log(`  engine predictor.predict      ${format(engine)}`);
  console.log(
    `  POST predict, cached          ${format(http)}   ${(http / engine).toFixed(1)}× the engine`,
  );
  console.log(
    `  POST predict, cold            ${format(cold)}   ` +
      `${(cold / http).toFixed(1)}× the cached request`,
  );
}

// A prediction large enough to be sliced: 784-128-10 on 8000 rows is 8·10⁸ rows × parameters,
// 63 slices of 128 rows. The longest stall of the event loop is what another request may wait.
async function longestStall(
  run: () => Promise<unknown>,
): Promise<{ total: number; stall: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Its first turns only start the clock: a stall before them would go unrecorded.
  await new Promise((resolve) => setTimeout(resolve, 5));
  const start = performance.now();
  await run();
  const total = performance.now() - start;
  // The histogram records a stall when the loop turns again: let it turn before reading.
  await new Promise((resolve) => setTimeout(resolve, 5));
  delay.disable();
  return { total, stall: delay.max / 1e6 };
}

const layers = initializeParameters(MNIST_LIKE, new Random(2));
const id = await jobWithModel(MNIST_LIKE, layers);
const inputs = randomRows(8000, 784, new Random(4));
const matrix = matrixFromRows(inputs);
const predictor = createPredictor(MNIST_LIKE, layers);
const body = JSON.stringify({ inputs });
await predictOverHttp(id, inputs.slice(0, 10));

const whole = await longestStall(async () => predictor.predict(matrix));
const sliced = await longestStall(() =>
  predictInSlices(predictor, matrix, predictSliceRows(MNIST_LIKE)),
);
const predictLarge = () =>
  app.inject({
    method: 'POST',
    url: `/v1/jobs/${id}/predict`,
    headers: { 'content-type': 'application/json' },
    payload: body,
  });
// Once first: the parser thread starts with the first large body.
await predictLarge();
const request = await longestStall(predictLarge);
const share = (part: number, of: number) => `${((part / of) * 100).toFixed(0)}% of its duration`;
console.log(`784-128-10, 8000 rows (a ${(body.length / 1e6).toFixed(0)} MB JSON body)`);
console.log(
  `  predictor.predict in one pass ${format(whole.total)}, longest stall ${format(whole.stall)}`,
);
console.log(
  `  predictInSlices               ${format(sliced.total)}, longest stall ${format(sliced.stall)}` +
    `   ${share(sliced.stall, sliced.total)}`,
);
console.log(
  `  whole POST predict request    ${format(request.total)}, ` +
    `longest stall ${format(request.stall)}` +
    `   ${share(request.stall, request.total)}`,
);
console.log(
  '    (the body is parsed on the parser thread; the stall is what follows on the HTTP thread:' +
    ' validation and the copy into a matrix)',
);

// Why the JSON parser skips its key-checking reviver for bodies that cannot hold a forbidden key.
const reviver = (_key: string, value: unknown) => value;
const plainParse = await medianMs(() => JSON.parse(body), 3);
const revivedParse = await medianMs(() => JSON.parse(body, reviver), 3);
console.log(
  `  JSON.parse of the body        ${format(plainParse)}, with a reviver ${format(revivedParse)}` +
    `   ${(revivedParse / plainParse).toFixed(1)}×`,
);

await app.close();
await store.close();
