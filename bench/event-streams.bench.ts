/**
 * What event-stream clients cost the main thread. Announces and writes 20,000 epochs the way
 * the dispatcher does (batches of 100: announce, then one transaction), with 0, 1, 10, 100 and
 * 1000 streams of the job open and read as fast as they come, and prints the median time of
 * each against the writes alone (0 streams) and per client. Figures only: nothing fails here.
 *
 *   npm run bench:events            (ROUNDS=5 by default)
 */
import type { Readable } from 'node:stream';
import { JobEventHub } from '../src/api/events/job-event-hub.js';
import { createLogger } from '../src/logger.js';
import type { HistoryItem, JobRecord } from '../src/storage/records.js';
import { createTestApp, XOR, XOR_NETWORK, type TestApp } from '../test/support/app.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const EPOCHS = 20_000;
const BATCH = 100;
const CLIENTS = [0, 1, 10, 100, 1000];
const logger = createLogger('silent');

const item = (epoch: number): HistoryItem => ({
  epoch,
  cost: 1 / epoch,
  accuracy: 0.75,
  gradientNorms: [0.0123456789, 0.0234567891],
  elapsedMs: epoch * 0.01,
});

async function runningJob(t: TestApp): Promise<JobRecord> {
  await t.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { network: XOR_NETWORK, dataset: XOR, training: { epochs: EPOCHS } },
  });
  const claimed = await t.store.jobs.claimNext({
    owner: 'bench',
    now: Date.now(),
    leaseMs: 600_000,
    maxAttempts: 3,
    startedAt: new Date().toISOString(),
  });
  return claimed!.job;
}

/** Milliseconds to train-report EPOCHS epochs with `clients` streams open, until all have them. */
async function once(clients: number): Promise<number> {
  const t = await createTestApp();
  const hub = new JobEventHub({ store: t.store, events: t.events, logger });
  const job = await runningJob(t);
  let delivered = 0;
  const streams: Readable[] = [];
  for (let i = 0; i < clients; i++) {
    const readable = hub.open(job, 0, logger);
    readable.on('data', (chunk: Buffer) => {
      delivered += countEpochs(chunk);
    });
    streams.push(readable);
  }
  await new Promise((resolve) => setImmediate(resolve));

  const started = performance.now();
  for (let from = 1; from <= EPOCHS; from += BATCH) {
    const items = Array.from({ length: BATCH }, (_value, index) => item(from + index));
    t.events.emit('epochs', job.id, items);
    await t.store.jobs.recordProgress(job.id, job.attempts, {
      items,
      epoch: from + BATCH - 1,
      cost: 0,
      validationCost: null,
      bestEpoch: null,
      checkpoint: null,
    });
    t.events.emit('recorded', job.id, from + BATCH - 1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (delivered < EPOCHS * clients) await new Promise((resolve) => setImmediate(resolve));
  const elapsed = performance.now() - started;

  await hub.close();
  await t.close();
  return elapsed;
}

function countEpochs(chunk: Buffer): number {
  let count = 0;
  const marker = '\nevent: epoch\n';
  for (let index = chunk.indexOf(marker); index >= 0; index = chunk.indexOf(marker, index + 1))
    count++;
  return count;
}

async function median(clients: number): Promise<number> {
  await once(clients); // warm-up
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) times.push(await once(clients));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const reference = await median(0);
console.log(
  `${EPOCHS} epochs announced and written in batches of ${BATCH}; median of ${ROUNDS} rounds`,
);
console.log(`writes alone (0 streams): ${reference.toFixed(1)} ms (the reference)`);
for (const clients of CLIENTS.slice(1)) {
  const ms = await median(clients);
  const perClient = (ms - reference) / clients;
  console.log(
    `${String(clients).padStart(4)} streams: ${ms.toFixed(1).padStart(8)} ms` +
      ` = ${(ms / reference).toFixed(2)}× the reference; ${perClient.toFixed(2)} ms per stream` +
      ` = ${((perClient / reference) * 100).toFixed(1)} % of the reference each`,
  );
}
