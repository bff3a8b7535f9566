import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { Trainer } from '../../src/engine/index.js';
import { createLogger } from '../../src/logger.js';
import { startService } from '../../src/service.js';
import { isTerminal } from '../../src/storage/records.js';
import { call } from './http-client.js';
import { W1_NETWORK, XOR, w1Training } from './jobs.js';

/** Part 2 of `npm run bench:api`: the service's own overhead per job (see bench/api.bench.ts). */

const TINY_JOBS = 1000;

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

export async function measureOverhead(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, WORKERS: '2', LOG_LEVEL: 'info' });
  const service = await startService(config, {
    // Buffered like the service's own log (src/server.ts), so that the figure is the service's.
    logger: createLogger('info', pino.destination({ dest: '/dev/null', sync: false })),
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
    const percentile = (share: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * share))];
    const ms = (value: number, digits = 3) => `${value.toFixed(digits)} ms`;
    const line = (label: string, figures: string) =>
      console.log(`  ${label.padEnd(46)} ${figures}`);

    console.log(
      `\n2. Overhead per job: ${TINY_JOBS} tiny jobs ` +
        '(W1: XOR 2-2-1, sgd 0.1, full batch, 100 epochs)',
    );
    line('engine alone, one thread:', `${ms(enginePerJob)} a job (${ms(engineMs, 0)} in all)`);
    line(
      'one at a time, submit → succeeded:',
      `mean ${ms(mean)}, median ${ms(percentile(0.5))}, p99 ${ms(percentile(0.99))}`,
    );
    line('  service overhead per job (mean − engine):', ms(mean - enginePerJob));
    line('  of which one HTTP round trip (GET /healthz):', ms(roundTripMs));
    line(
      'all at once on 2 workers:',
      `${ms(burstMs, 0)}, ${ms(burstMs / TINY_JOBS)} a job, ` +
        `${Math.round(TINY_JOBS / (burstMs / 1000))} jobs/s`,
    );
    line(
      '  engine alone on 2 threads would take:',
      `${ms(engineMs / 2, 0)}; overhead per job ` +
        `${ms((burstMs - engineMs / 2) / TINY_JOBS)} of wall time`,
    );
    console.log(`    (statuses of the first 20: ${[...new Set(states)].join(', ')})`);
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
