/**
 * Queue throughput on PostgreSQL with 1, 2 and 3 replicas (separate processes) against one
 * SQLite process, on many small jobs, where the per-job overhead of the queue shows: claim,
 * progress and end transactions, notifications, handing the job to a worker thread. Each
 * replica runs BENCH_WORKERS training threads. A throwaway PostgreSQL server is started for the
 * run. The setups take turns, ROUNDS times, and each reports its median, so that load from other
 * programs on the machine falls on all of them alike. Figures only: nothing here fails on timing.
 *
 *   npm run bench:postgres         (JOBS=300 EPOCHS=100 BENCH_WORKERS=1 ROUNDS=3 by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { resolveTrainingOptions } from '../src/engine/index.js';
import {
  createTestDatabase,
  findPostgresBinaries,
  startPostgresCluster,
} from '../test/support/postgres-cluster.js';
import { spawnServer, type ServerProcess } from '../test/support/server-process.js';
import { trainDirectly } from '../test/support/training-fixtures.js';

const JOBS = Number(process.env.JOBS ?? 300);
const EPOCHS = Number(process.env.EPOCHS ?? 100);
const WORKERS = process.env.BENCH_WORKERS ?? '1';
const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** Requests in flight while submitting. */
const SUBMITTERS = 8;

const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};
const NETWORK = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
const jobBody = (index: number) => ({
  network: NETWORK,
  dataset: XOR,
  training: { epochs: EPOCHS, optimizer: { type: 'sgd', learningRate: 0.5 }, seed: index },
});

interface Run {
  readonly label: string;
  readonly seconds: number;
}

/** Submits every job through the replicas' APIs (round robin) and waits until all ended. */
async function drain(
  label: string,
  replicas: ServerProcess[],
  countEnded: () => Promise<number>,
): Promise<Run> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SUBMITTERS }, async () => {
      while (next < JOBS) {
        const index = next++;
        const response = await fetch(`${replicas[index % replicas.length].url}/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(jobBody(index)),
        });
        if (response.status !== 202)
          throw new Error(`submit answered ${response.status}: ${await response.text()}`);
      }
    }),
  );
  while ((await countEnded()) < JOBS) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  return { label, seconds };
}

async function stopAll(replicas: ServerProcess[]): Promise<void> {
  for (const replica of replicas) replica.child.kill('SIGTERM');
  await Promise.all(replicas.map((replica) => replica.exited));
}

const ENDED = `SELECT CAST(count(*) AS INTEGER) AS n FROM jobs
  WHERE status IN ('succeeded', 'failed', 'cancelled')`;

async function runSqlite(): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const replica = await spawnServer({ DATA_DIR: dataDir, WORKERS });
  const db = new Database(join(dataDir, 'chainrule.db'), { readonly: true });
  try {
    return await drain(
      'SQLite, 1 process',
      [replica],
      async () => (db.prepare(ENDED).get() as { n: number }).n,
    );
  } finally {
    db.close();
    await stopAll([replica]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runPostgres(adminUrl: string, count: number): Promise<Run> {
  const database = await createTestDatabase(adminUrl, 'chainrule_bench');
  const replicas: ServerProcess[] = [];
  for (let index = 0; index < count; index++)
    replicas.push(await spawnServer({ DATABASE_URL: database.url, WORKERS }));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await drain(
      `PostgreSQL, ${count} replica${count > 1 ? 's' : ''}`,
      replicas,
      async () => (await client.query(ENDED)).rows[0].n,
    );
  } finally {
    await client.end();
    await stopAll(replicas);
    await database.drop();
  }
}

/** The same training in this process, without any queue: what the jobs cost by themselves. */
function trainingAloneSeconds(): number {
  const started = performance.now();
  for (let index = 0; index < JOBS; index++) {
    const training = resolveTrainingOptions({
      ...jobBody(index).training,
      optimizer: { type: 'sgd', learningRate: 0.5 },
    });
    trainDirectly(NETWORK as never, XOR, { ...training, initialModel: null });
  }
  return (performance.now() - started) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const binaries = findPostgresBinaries();
  if (!binaries) {
    console.error('bench:postgres needs PostgreSQL server binaries (initdb, pg_ctl): none found');
    process.exit(1);
  }
  const cluster = await startPostgresCluster(binaries);
  console.log(
    `${JOBS} jobs of XOR 2-2-1, ${EPOCHS} epochs each; ` +
      `${WORKERS} training thread(s) per process; ` +
      `${ROUNDS} rounds; load average at start: ${loadavg()[0].toFixed(1)}\n`,
  );
  try {
    const alone: number[] = [];
    const seconds = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      alone.push(trainingAloneSeconds());
      const runs = [await runSqlite()];
      for (const count of [1, 2, 3]) runs.push(await runPostgres(cluster.url, count));
      for (const run of runs)
        seconds.set(run.label, [...(seconds.get(run.label) ?? []), run.seconds]);
    }

    const trainingSeconds = median(alone);
    const sqlite = median(seconds.get('SQLite, 1 process')!);
    const rows = [...seconds].map(([label, all]) => {
      const typical = median(all);
      const lowestRate = (JOBS / Math.max(...all)).toFixed(1);
      const highestRate = (JOBS / Math.min(...all)).toFixed(1);
      return {
        setup: label,
        'jobs/s': (JOBS / typical).toFixed(1),
        'jobs/s range': `${lowestRate}–${highestRate}`,
        'ms/job': ((typical * 1000) / JOBS).toFixed(2),
        'queue ms/job': (((typical - trainingSeconds) * 1000) / JOBS).toFixed(2),
        'vs SQLite': `${(sqlite / typical).toFixed(2)}x`,
      };
    });
    console.table(rows);
    const trainingMsPerJob = ((trainingSeconds * 1000) / JOBS).toFixed(2);
    console.log(
      `training alone (this process, no queue): ${trainingMsPerJob} ms/job; ` +
        `load average at end: ${loadavg()[0].toFixed(1)}`,
    );
    console.log(
      'queue ms/job = (wall time - training alone) / jobs: ' +
        'submit, claim, progress, end, notifications.',
    );
  } finally {
    await cluster.destroy();
  }
}

await main();
