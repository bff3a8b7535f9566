/**
 * `npm run bench:api`: what the service costs on top of the engine. Figures only: nothing here
 * fails on timing, and every load phase is bounded (PHASE_SECONDS each).
 *
 * 1. Polls while both cores train. The built service runs in its own process as `npm start`
 *    runs it (WORKERS=2, LOG_LEVEL=info, logs to /dev/null); bare Fastify routes run in another
 *    (one answering a tiny object, one answering a job's JSON as GET /v1/jobs/{id} does).
 *    autocannon (10 connections) measures them idle and, while two long jobs train, next to
 *    GET /v1/jobs/{id}, the first history page, and an incremental history poll. Two kinds of
 *    long job: slow epochs (2-32-32-1 on 64 rows: a few thousand history rows a second) and the
 *    lecture's 2-10-1 XOR (microsecond epochs: every one is a history row to store).
 * 2. Overhead per job. 1,000 tiny jobs (W1: XOR 2-2-1, sgd 0.1, full batch, 100 epochs) through
 *    an in-process service over real HTTP, one at a time (submit → succeeded, seen through the
 *    service's status events) and all at once, against the engine alone training the same jobs.
 *
 *   npm run bench:api   (PHASE_SECONDS=3, ROUNDS=3 by default; PARTS=polls or PARTS=overhead for one part)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { Trainer } from '../src/engine/index.js';
import { createLogger } from '../src/logger.js';
import { startService } from '../src/service.js';
import { isTerminal } from '../src/storage/records.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PHASE_SECONDS = Number(process.env.PHASE_SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TINY_JOBS = 1000;

const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
const W1_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'sigmoid' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  loss: 'binaryCrossentropy' as const,
};
const w1Training = (seed: number) => ({
  epochs: 100,
  optimizer: { type: 'sgd' as const, learningRate: 0.1 },
  seed,
});

// ---------------------------------------------------------------------------------------------
// A small keep-alive HTTP client (node:http is lighter than fetch, so it adds less to the figures).

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

type Json = any;

function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (chunk) => {
            text += chunk;
          })
          .on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function pollUntil(read: () => Promise<boolean>, what: string): Promise<void> {
  for (let poll = 0; poll < 3000; poll++) {
    if (await read()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Part 1: polls while both cores train.

interface LoadFigures {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** Requests/s over those of the bare route measured with it; absent for the idle rows. */
  readonly ratio?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function load(label: string, url: string): Promise<LoadFigures> {
  const result = await autocannon({ url, connections: 10, duration: PHASE_SECONDS });
  return {
    label,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      })
      .on('error', reject);
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The bare routes' process; resolves with its base URL. */
function startBareFastify(jobBody: unknown): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench/bare-fastify.mjs')], {
    cwd: ROOT,
    env: { ...process.env, BARE_BODY: JSON.stringify(jobBody) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    child
      .stdout!.setEncoding('utf8')
      .once('data', (line: string) => resolve({ child, url: line.trim() }));
  });
}

/** `npm start` as a user runs it (it builds first when dist/ is stale), in its own process. */
async function startBuiltService(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    // MAX_EPOCHS raised so that the fast-epoch jobs outlast every phase.
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: dataDir,
      WORKERS: '2',
      LOG_LEVEL: 'info',
      MAX_EPOCHS: '100000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  await pollUntil(
    async () => (await call(base, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 200,
    'the service to be ready',
  );
  return { child, base };
}

function slowEpochJob(seed: number) {
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let row = 0; row < 64; row++) {
    const x = ((row * 7919) % 97) / 97;
    const y = ((row * 104_729) % 89) / 89;
    inputs.push([x, y]);
    targets.push([x > 0.5 !== y > 0.5 ? 1 : 0]);
  }
  return {
    network: {
      inputSize: 2,
      loss: 'binaryCrossentropy',
      layers: [
        { units: 32, activation: 'tanh' },
        { units: 32, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
    },
    dataset: { inputs, targets },
    training: { epochs: 1_000_000, optimizer: { type: 'sgd', learningRate: 0.1 }, seed },
  };
}

function fastEpochJob(seed: number) {
  return {
    network: {
      inputSize: 2,
      loss: 'binaryCrossentropy',
      layers: [
        { units: 10, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
    },
    dataset: XOR,
    training: { epochs: 50_000_000, optimizer: { type: 'sgd', learningRate: 0.5 }, seed },
  };
}

async function pollsWhileTraining(
  base: string,
  bareUrl: string,
  kind: string,
  makeJob: (seed: number) => object,
): Promise<LoadFigures[]> {
  const ids: string[] = [];
  for (const seed of [1, 2])
    ids.push((await call(base, 'POST', '/v1/jobs', makeJob(seed))).body.id);
  await pollUntil(async () => {
    const running = (await call(base, 'GET', '/v1/jobs?status=running')).body.items.map(
      (job: { id: string }) => job.id,
    );
    return ids.every((id) => running.includes(id));
  }, 'both long jobs to run');
  const epoch = (await call(base, 'GET', `/v1/jobs/${ids[0]}`)).body.progress.epoch;

  // The machine may be shared, and one load phase can be lucky: the phases run in ROUNDS
  // rounds, each route right after the bare routes of its round, and each figure is the median
  // over the rounds (its ratio too: the median of the ratios within each round), p99 the worst.
  const targets: [string, string][] = [
    [`bare route, ${kind} training`, `${bareUrl}/bare`],
    [`bare route with a job's body, ${kind} training`, `${bareUrl}/bare-job`],
    [`GET /v1/jobs/{id}, ${kind} training`, `${base}/v1/jobs/${ids[0]}`],
    [`GET …/history (first 50 epochs), ${kind} training`, `${base}/v1/jobs/${ids[0]}/history`],
    [
      `GET …/history?after=…&limit=10, ${kind} training`,
      `${base}/v1/jobs/${ids[0]}/history?after=${epoch}&limit=10`,
    ],
  ];
  const rounds: LoadFigures[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const figures: LoadFigures[] = [];
    for (const [label, url] of targets) figures.push(await load(label, url));
    rounds.push(figures);
  }
  const figures = targets.map(([label], index) => {
    const runs = rounds.map((figures) => figures[index]);
    return {
      label,
      requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
      p50: median(runs.map((run) => run.p50)),
      p99: Math.max(...runs.map((run) => run.p99)),
      failures: runs.reduce((sum, run) => sum + run.failures, 0),
      ratio: median(
        rounds.map((figures) => figures[index].requestsPerSecond / figures[0].requestsPerSecond),
      ),
    };
  });
  const epochs = [];
  for (const id of ids) {
    const job = (await call(base, 'POST', `/v1/jobs/${id}/cancel`)).body;
    epochs.push(job.progress.epoch);
  }
  for (const id of ids) {
    await pollUntil(
      async () => isTerminal((await call(base, 'GET', `/v1/jobs/${id}`)).body.status),
      'the cancel',
    );
  }
  console.log(`  (${kind}: the two jobs had stored ${epochs.join(' and ')} epochs when cancelled)`);
  return figures;
}

async function measurePolls(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const service = await startBuiltService(dataDir);
  const sample = (
    await call(service.base, 'POST', '/v1/jobs', {
      network: W1_NETWORK,
      dataset: XOR,
      training: w1Training(1),
    })
  ).body;
  await pollUntil(
    async () =>
      (await call(service.base, 'GET', `/v1/jobs/${sample.id}`)).body.status === 'succeeded',
    'a sample job',
  );
  const bare = await startBareFastify(
    (await call(service.base, 'GET', `/v1/jobs/${sample.id}`)).body,
  );
  try {
    console.log(
      `\n1. Polls while both cores train (autocannon, 10 connections, ${PHASE_SECONDS} s each, ` +
        `${ROUNDS} rounds)`,
    );
    const rows = [
      await load('bare route, idle', `${bare.url}/bare`),
      await load("bare route with a job's body, idle", `${bare.url}/bare-job`),
      ...(await pollsWhileTraining(service.base, bare.url, 'slow-epoch', slowEpochJob)),
      ...(await pollsWhileTraining(service.base, bare.url, 'fast-epoch', fastEpochJob)),
    ];

    console.log(`  ${'what'.padEnd(58)}   req/s   p50 ms   p99 ms   vs bare route   failures`);
    let reference = rows[0];
    for (const row of rows) {
      if (row.label.startsWith('bare route,')) reference = row;
      console.log(
        [
          `  ${row.label.padEnd(58)}`,
          Math.round(row.requestsPerSecond).toLocaleString('en').padStart(7),
          row.p50.toFixed(1).padStart(8),
          row.p99.toFixed(1).padStart(8),
          `${(row.ratio ?? row.requestsPerSecond / reference.requestsPerSecond).toFixed(2)}×`.padStart(
            15,
          ),
          String(row.failures).padStart(10),
        ].join(' '),
      );
    }
    console.log(
      '  (under training: medians over the rounds, p99 the worst round; vs bare route: median of\n' +
        '   the ratios to the bare route measured first in each round, under the same training)',
    );
  } finally {
    await stopProcess(service.child);
    await stopProcess(bare.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Part 2: the service's own overhead per job.

function engineAloneMs(seeds: number[]): number {
  const data = {
    inputs: { rows: 4, cols: 2, data: Float64Array.from(XOR.inputs.flat()) },
    targets: { rows: 4, cols: 1, data: Float64Array.from(XOR.targets.flat()) },
  };
  const start = performance.now();
  for (const seed of seeds)
    new Trainer(W1_NETWORK, data, w1Training(seed)).run({ onEpoch: () => undefined });
  return performance.now() - start;
}

async function measureOverhead(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, WORKERS: '2', LOG_LEVEL: 'info' });
  const service = await startService(config, {
    logger: createLogger('info', pino.destination('/dev/null')),
  });
  const base = service.url;

  // Completion times by job id, from the service's own status events: no polling in the way.
  const finishedAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  service.events.on('status', (job) => {
    if (!isTerminal(job.status)) return;
    finishedAt.set(job.id, performance.now());
    waiters.get(job.id)?.();
  });
  const finished = (id: string) =>
    new Promise<void>((resolve) => {
      if (finishedAt.has(id)) resolve();
      else waiters.set(id, resolve);
    });

  try {
    const dataset = (await call(base, 'POST', '/v1/datasets', XOR)).body.id;
    const submit = async (seed: number) =>
      (
        await call(base, 'POST', '/v1/jobs', {
          network: W1_NETWORK,
          dataset: { id: dataset },
          training: w1Training(seed),
        })
      ).body.id as string;

    // Warm-up: JIT, the workers' first jobs, the HTTP connections.
    for (let seed = 1; seed <= 100; seed++) await finished(await submit(seed));
    engineAloneMs(Array.from({ length: 200 }, (_, index) => index + 1));

    const seeds = Array.from({ length: TINY_JOBS }, (_, index) => 1000 + index);
    const engineMs = engineAloneMs(seeds);

    let roundTripMs = performance.now();
    for (let index = 0; index < TINY_JOBS; index++) await call(base, 'GET', '/healthz');
    roundTripMs = (performance.now() - roundTripMs) / TINY_JOBS;

    const latencies: number[] = [];
    for (const seed of seeds) {
      const start = performance.now();
      const id = await submit(seed);
      await finished(id);
      latencies.push(finishedAt.get(id)! - start);
    }

    const burstStart = performance.now();
    const ids: string[] = [];
    for (let next = 0; next < TINY_JOBS;) {
      const batch = seeds.slice(next, next + 16).map((seed) => submit(seed + TINY_JOBS));
      ids.push(...(await Promise.all(batch)));
      next += 16;
    }
    await Promise.all(ids.map(finished));
    const burstMs = performance.now() - burstStart;
    const states = await Promise.all(
      ids.slice(0, 20).map(async (id) => (await call(base, 'GET', `/v1/jobs/${id}`)).body.status),
    );

    const enginePerJob = engineMs / TINY_JOBS;
    latencies.sort((a, b) => a - b);
    const mean = latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
    console.log(
      `\n2. Overhead per job: ${TINY_JOBS} tiny jobs (W1: XOR 2-2-1, sgd 0.1, full batch, 100 epochs)`,
    );
    console.log(
      `  engine alone, one thread:                      ${enginePerJob.toFixed(3)} ms a job (${engineMs.toFixed(0)} ms in all)`,
    );
    console.log(
      `  one at a time, submit → succeeded:             mean ${mean.toFixed(3)} ms, median ${latencies[latencies.length >> 1].toFixed(3)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)].toFixed(3)} ms`,
    );
    console.log(
      `    service overhead per job (mean − engine):    ${(mean - enginePerJob).toFixed(3)} ms`,
    );
    console.log(`    of which one HTTP round trip (GET /healthz): ${roundTripMs.toFixed(3)} ms`);
    console.log(
      `  all at once on 2 workers:                      ${burstMs.toFixed(0)} ms, ${(burstMs / TINY_JOBS).toFixed(3)} ms a job, ${Math.round(TINY_JOBS / (burstMs / 1000))} jobs/s`,
    );
    console.log(
      `    engine alone on 2 threads would take:        ${(engineMs / 2).toFixed(0)} ms; overhead per job ${((burstMs - engineMs / 2) / TINY_JOBS).toFixed(3)} ms of wall time`,
    );
    console.log(`    (statuses of the first 20: ${[...new Set(states)].join(', ')})`);
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const parts = (process.env.PARTS ?? 'polls,overhead').split(',');
if (parts.includes('polls')) await measurePolls();
if (parts.includes('overhead')) await measureOverhead();
agent.destroy();
