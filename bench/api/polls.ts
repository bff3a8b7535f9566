import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { isTerminal } from '../../src/storage/records.js';
import { call, pollUntil } from './http-client.js';
import { XOR, finishedSampleJob } from './jobs.js';

/**
 * Part 1 of `npm run bench:api`: polls while both cores train, next to bare Fastify routes (see
 * bench/api.bench.ts).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PHASE_SECONDS = Number(process.env.PHASE_SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

interface Load {
  readonly label: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

interface LoadFigures extends Load {
  /** Requests/s over those of the bare route they are set against. */
  readonly ratio: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function load(label: string, url: string): Promise<Load> {
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

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The bare routes' process; resolves with its base URL. */
function startBareFastify(
  jobBody: unknown,
  historyBody: unknown,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench/bare-fastify.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BARE_BODY: JSON.stringify(jobBody),
      BARE_HISTORY: JSON.stringify(historyBody),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    child
      .stdout!.setEncoding('utf8')
      .once('data', (line: string) => resolve({ child, url: line.trim() }));
  });
}

/**
 * `npm start` as a user runs it (it builds first when dist/ is stale), in its own process; with
 * `cpu`, pinned to that CPU (taskset runs node in its own place: the child is the service).
 */
export async function startBuiltService(
  dataDir: string,
  options: { cpu?: number } = {},
): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const command = [process.execPath, join(ROOT, 'scripts/start.mjs')];
  const pinned =
    options.cpu === undefined ? command : ['taskset', '-c', String(options.cpu), ...command];
  const child = spawn(pinned[0], pinned.slice(1), {
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
    [`bare route with a history page's body, ${kind} training`, `${bareUrl}/bare-history`],
    [`GET /v1/jobs/{id}, ${kind} training`, `${base}/v1/jobs/${ids[0]}`],
    [`GET …/history (first 50 epochs), ${kind} training`, `${base}/v1/jobs/${ids[0]}/history`],
    [
      `GET …/history?after=…&limit=10, ${kind} training`,
      `${base}/v1/jobs/${ids[0]}/history?after=${epoch}&limit=10`,
    ],
  ];
  const rounds: Load[][] = [];
  for (let count = 0; count < ROUNDS; count++) {
    const round: Load[] = [];
    for (const [label, url] of targets) round.push(await load(label, url));
    rounds.push(round);
  }
  const figures = targets.map(([label], index): LoadFigures => {
    const runs = rounds.map((round) => round[index]);
    return {
      label,
      requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
      p50: median(runs.map((run) => run.p50)),
      p99: Math.max(...runs.map((run) => run.p99)),
      failures: runs.reduce((sum, run) => sum + run.failures, 0),
      ratio: median(
        rounds.map((round) => round[index].requestsPerSecond / round[0].requestsPerSecond),
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

export async function measurePolls(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const service = await startBuiltService(dataDir);
  const sample = await finishedSampleJob(service.base);
  const sampleHistory = (await call(service.base, 'GET', `/v1/jobs/${sample.id}/history`)).body;
  const bare = await startBareFastify(sample, sampleHistory);
  try {
    console.log(
      `\n1. Polls while both cores train (autocannon, 10 connections, ${PHASE_SECONDS} s each, ` +
        `${ROUNDS} rounds)`,
    );
    const idle = [
      await load('bare route, idle', `${bare.url}/bare`),
      await load("bare route with a job's body, idle", `${bare.url}/bare-job`),
      await load("bare route with a history page's body, idle", `${bare.url}/bare-history`),
      // The service with nothing training: what training costs the polls shows against this.
      await load('GET /v1/jobs/{id}, idle', `${service.base}/v1/jobs/${sample.id}`),
    ];
    const rows: LoadFigures[] = [
      ...idle.map((row) => ({ ...row, ratio: row.requestsPerSecond / idle[0].requestsPerSecond })),
      ...(await pollsWhileTraining(service.base, bare.url, 'slow-epoch', slowEpochJob)),
      ...(await pollsWhileTraining(service.base, bare.url, 'fast-epoch', fastEpochJob)),
    ];

    console.log(`  ${'what'.padEnd(62)}   req/s   p50 ms   p99 ms   vs bare route   failures`);
    for (const row of rows) {
      console.log(
        [
          `  ${row.label.padEnd(62)}`,
          Math.round(row.requestsPerSecond).toLocaleString('en').padStart(7),
          row.p50.toFixed(1).padStart(8),
          row.p99.toFixed(1).padStart(8),
          `${row.ratio.toFixed(2)}×`.padStart(15),
          String(row.failures).padStart(10),
        ].join(' '),
      );
    }
    console.log(
      '  (under training: medians over the rounds, p99 the worst round; vs bare route: median\n' +
        '   of the ratios to the bare route measured first in each round, under the same training)',
    );
  } finally {
    await stopProcess(service.child);
    await stopProcess(bare.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
