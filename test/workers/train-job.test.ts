import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpochReport } from '../../src/engine/index.js';
import { createWorkerPool, type WorkerPool } from '../../src/queue/worker-pool.js';
import {
  CONTROL,
  CONTROL_BYTES,
  TrainOutcomeSchema,
  ProgressMessageSchema,
  controlViews,
  type TrainTask,
} from '../../workers/protocol.js';

let pool: WorkerPool;
beforeAll(() => {
  pool = createWorkerPool(1);
});
afterAll(async () => {
  await pool.destroy();
});

function xorTask(
  control: SharedArrayBuffer,
  port: MessageChannel['port2'],
  maxUnstoredEpochs: number,
): TrainTask {
  return {
    jobId: 'job_test',
    attempt: 1,
    network: {
      inputSize: 2,
      layers: [
        { units: 2, activation: 'sigmoid' },
        { units: 1, activation: 'sigmoid' },
      ],
      loss: 'binaryCrossentropy',
    },
    training: { epochs: 1_000_000, optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 1 },
    dataset: {
      rows: 4,
      inputSize: 2,
      targetSize: 1,
      inputs: Float64Array.from([0, 0, 0, 1, 1, 0, 1, 1]),
      targets: Float64Array.from([0, 1, 1, 0]),
    },
    initialLayers: null,
    checkpoint: null,
    control,
    port,
    checkpointEveryEpochs: 1_000_000,
    checkpointEveryMs: 3_600_000,
    reportEveryMs: 50,
    maxReportsPerMessage: 1000,
    maxUnstoredEpochs,
  };
}

describe('the training worker', () => {
  it('waits on too many unstored epochs, resumes as they are stored, stops on cancel', async () => {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const { signal, stored } = controlViews(control);
    const channel = new MessageChannel();
    const epochs: number[] = [];
    const reached = (epoch: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (epochs.includes(epoch)) resolve();
          else setTimeout(check, 5);
        };
        check();
      });
    let messages = 0;
    channel.port1.on('message', (message: unknown) => {
      messages++;
      epochs.push(...ProgressMessageSchema.parse(message).reports.map((report) => report.epoch));
    });

    const outcome = pool.run(xorTask(control, channel.port2, 10), [channel.port2]);

    // Nothing is stored: the worker reports epochs 1..11 and then waits.
    await reached(11);
    // Storing up to epoch 6 lets it run on to epoch 17, again more than 10 ahead, and wait.
    Atomics.store(stored!, 0, 6n);
    Atomics.notify(stored!, 0);
    await reached(17);
    Atomics.store(signal, 0, CONTROL.CANCEL);
    Atomics.notify(stored!, 0);
    const result = TrainOutcomeSchema.parse(await outcome);
    channel.port1.close();
    epochs.push(...result.reports.map((report) => report.epoch));

    expect(result).toMatchObject({
      type: 'result',
      stopReason: 'cancelled',
      epoch: 17,
      lastEpoch: 17,
      checkpoint: null,
      progressMessages: messages,
    });
    expect(epochs).toEqual(Array.from({ length: 17 }, (_, index) => index + 1));
  });
});

describe('the outcome of a training worker', () => {
  it('carries unposted reports: a job ending within one report interval posts none', async () => {
    const channel = new MessageChannel();
    let messages = 0;
    channel.port1.on('message', () => messages++);
    const base = xorTask(new SharedArrayBuffer(CONTROL_BYTES), channel.port2, 10_000);
    const task = { ...base, training: { ...base.training, epochs: 30 }, reportEveryMs: 60_000 };

    const result = TrainOutcomeSchema.parse(await pool.run(task, [channel.port2]));
    channel.port1.close();

    expect(messages).toBe(0);
    expect(result).toMatchObject({ type: 'result', stopReason: 'epochs', progressMessages: 0 });
    expect(result.reports.map((report) => report.epoch)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 1),
    );
    // Nothing resumes a finished job: its engine state is not encoded.
    expect(result.type === 'result' && result.checkpoint).toBeNull();
  });

  it('returns the state to resume from when the job is suspended', async () => {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const { signal, stored } = controlViews(control);
    const channel = new MessageChannel();
    let reported = 0;
    channel.port1.on('message', (message: unknown) => {
      reported = ProgressMessageSchema.parse(message).reports.at(-1)?.epoch ?? reported;
    });

    const outcome = pool.run(xorTask(control, channel.port2, 10), [channel.port2]);
    await expect.poll(() => reported).toBe(11);
    Atomics.store(signal, 0, CONTROL.SUSPEND);
    Atomics.notify(stored!, 0);
    const result = TrainOutcomeSchema.parse(await outcome);
    channel.port1.close();

    expect(result).toMatchObject({ type: 'result', stopReason: 'suspended', lastEpoch: 11 });
    const checkpoint = result.type === 'result' ? result.checkpoint : null;
    expect(checkpoint?.epoch).toBe(11);
    expect(checkpoint?.state.byteLength).toBeGreaterThan(0);
  });

  it('is refused when a suspended job returns no checkpoint', () => {
    const parsed = TrainOutcomeSchema.safeParse({
      type: 'result',
      stopReason: 'suspended',
      epoch: 3,
      cost: 0.5,
      layers: [],
      lastEpoch: 3,
      checkpoint: null,
      reports: { count: 0, layers: 0, values: new Float64Array(0) },
      bestEpoch: null,
      progressMessages: 0,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['checkpoint']);
  });
});

describe('the training worker under flow control', () => {
  it('leaves its waits for the database out of the time limit and the elapsed times', async () => {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const { stored } = controlViews(control);
    const channel = new MessageChannel();
    const reports: EpochReport[] = [];
    channel.port1.on('message', (message: unknown) => {
      reports.push(...ProgressMessageSchema.parse(message).reports);
    });
    const base = xorTask(control, channel.port2, 10);
    const task = { ...base, training: { ...base.training, timeLimitSeconds: 0.3 } };

    const startedAt = performance.now();
    const outcome = pool.run(task, [channel.port2]);
    // Nothing is stored: after 11 epochs the worker waits, here for twice its time limit.
    await expect.poll(() => reports.length).toBe(11);
    await new Promise((resolve) => setTimeout(resolve, 600));
    Atomics.store(stored!, 0, BigInt(Number.MAX_SAFE_INTEGER));
    Atomics.notify(stored!, 0);
    const result = TrainOutcomeSchema.parse(await outcome);
    const wallMs = performance.now() - startedAt;
    channel.port1.close();
    reports.push(...result.reports);

    // It then trained for its 0.3 s: the time limit stopped it, not the wait (the wall time
    // holds the 0.6 s wait and the 0.3 s of training after it). Had the wait counted, the limit
    // would have passed during it: the job would end at epoch 11, or its next epoch's elapsed
    // time would include the 0.6 s. How long before the limit the last epoch finished is left
    // open: at idle priority on a machine busy with other tests, the thread can wait a long
    // time for a core between two epochs.
    expect(result).toMatchObject({ type: 'result', stopReason: 'timeLimit' });
    expect(result.type === 'result' && result.epoch).toBeGreaterThan(11);
    expect(wallMs).toBeGreaterThan(900);
    expect(reports.at(-1)!.elapsedMs).toBeGreaterThan(reports[10].elapsedMs);
    expect(reports.at(-1)!.elapsedMs).toBeLessThan(450);
  });
});

/** Every thread of this process by id: its nice value and scheduling policy (Linux stat). */
function threadPriorities(): Map<number, { nice: number; policy: number }> {
  const threads = new Map<number, { nice: number; policy: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command: 19 is the nice value, 41 the policy (fields 1 and 2 precede it).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    threads.set(Number(tid), { nice: Number(fields[16]), policy: Number(fields[38]) });
  }
  return threads;
}

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
const hasChrt = spawnSync('chrt', ['--version']).status === 0;

describe.runIf(process.platform === 'linux')('training threads on Linux', () => {
  it('run at a lower priority than the main thread, which answers requests', async () => {
    const channel = new MessageChannel();
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    Atomics.store(controlViews(control).signal, 0, CONTROL.CANCEL);
    await pool.run(xorTask(control, channel.port2, 10), [channel.port2]);
    channel.port1.close();

    const threads = threadPriorities();

    const main = threads.get(process.pid)!;
    expect(main.policy).toBe(SCHED_OTHER);
    const nicer = [...threads.values()].filter(({ nice }) => nice === Math.min(19, main.nice + 10));
    expect(nicer.length).toBeGreaterThan(0);
    if (hasChrt) expect(nicer.map(({ policy }) => policy)).toContain(SCHED_IDLE);
  });
});
