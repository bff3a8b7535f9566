import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import {
  BUSY_WRITE_SHARE,
  HistoryWriter,
  pauseAfterWrite,
} from '../../src/queue/history-writer.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { ROWS_PER_TRANSACTION, type RunningJob } from '../../src/queue/running-job.js';
import type { HistoryItem, JobRecord } from '../../src/storage/records.js';
import type { Store } from '../../src/storage/store.js';

/** How long each write keeps the thread: long enough to tell the two paces apart. */
const WRITE_MS = 20;

interface Write {
  jobId: string;
  startedAt: number;
  endedAt: number;
}

/** A store whose progress writes hold the main thread WRITE_MS, as a large transaction does. */
function slowStore(writes: Write[]): Store {
  const recordProgress = async (jobId: string) => {
    const startedAt = performance.now();
    while (performance.now() - startedAt < WRITE_MS) {
      // the thread is busy writing
    }
    writes.push({ jobId, startedAt, endedAt: performance.now() });
    return true;
  };
  return { jobs: { recordProgress } } as unknown as Store;
}

/** A running job with three transactions' worth of reports waiting to be stored. */
function runningJob(id = 'job_history_writer_test'): RunningJob {
  const pending: HistoryItem[] = [];
  for (let epoch = 1; epoch <= 3 * ROWS_PER_TRANSACTION; epoch++) {
    pending.push({ epoch, cost: 1 / epoch, gradientNorms: [0.1], elapsedMs: epoch });
  }
  return {
    job: { id } as JobRecord,
    attempt: 1,
    control: new Int32Array(1),
    storedEpoch: new BigInt64Array(1),
    logger: createLogger('silent'),
    startedAt: 0,
    pending,
    pendingCheckpoint: null,
    announcedEpoch: 0,
    lastEpoch: pending.length,
    lastCost: null,
    lastValidationCost: null,
    bestEpoch: null,
    writtenBestEpoch: null,
    flushTimer: null,
    writes: Promise.resolve(),
    draining: false,
    progressRetryMs: 0,
    lost: false,
    suspending: false,
    protocolError: null,
  };
}

/** The pauses between consecutive writes, each next to the write before it. */
function pauses(writes: Write[]) {
  return writes.slice(1).map((write, index) => ({
    pauseMs: write.startedAt - writes[index].endedAt,
    writeMs: writes[index].endedAt - writes[index].startedAt,
  }));
}

let keepBusy = false;
afterEach(() => {
  keepBusy = false;
});

/** Turns of the event loop that each compute for 2 ms, back to back, as a stream of requests. */
function occupyEventLoop(): void {
  keepBusy = true;
  const turn = () => {
    const until = performance.now() + 2;
    while (performance.now() < until) {
      // answering requests
    }
    if (keepBusy) setImmediate(turn);
  };
  setImmediate(turn);
}

describe('the history writer', () => {
  it('lets writes take up to half of an idle main thread', async () => {
    const writes: Write[] = [];
    const running = runningJob();
    await new HistoryWriter(slowStore(writes), new JobEvents(), () => undefined).flush(running);

    expect(writes).toHaveLength(3);
    expect(running.pending).toEqual([]);
    expect(running.storedEpoch[0]).toBe(BigInt(3 * ROWS_PER_TRANSACTION));
    for (const { pauseMs, writeMs } of pauses(writes)) {
      // At least as long as the write before it; how much longer depends on the machine's load.
      expect(pauseMs).toBeGreaterThanOrEqual(writeMs - 1);
    }
  });

  it('shares the pace between jobs: two jobs together take no more than one', async () => {
    const writes: Write[] = [];
    const writer = new HistoryWriter(slowStore(writes), new JobEvents(), () => undefined);
    const first = runningJob('job_first');
    const second = runningJob('job_second');
    await Promise.all([writer.flush(first), writer.flush(second)]);

    expect(writes).toHaveLength(6);
    expect(new Set(writes.map((write) => write.jobId))).toEqual(
      new Set(['job_first', 'job_second']),
    );
    expect(first.storedEpoch[0]).toBe(BigInt(3 * ROWS_PER_TRANSACTION));
    expect(second.storedEpoch[0]).toBe(BigInt(3 * ROWS_PER_TRANSACTION));
    // Writes of both jobs in the order they ran: each waits out the pause after the one before,
    // whichever job that one was for.
    for (const { pauseMs, writeMs } of pauses(writes)) {
      expect(pauseMs).toBeGreaterThanOrEqual(writeMs - 1);
    }
  });

  it('paces writes to half of the thread while it idles, a twentieth while it is busy', () => {
    expect(pauseAfterWrite(20, 0)).toBe(20);
    expect(pauseAfterWrite(20, 0.8)).toBe(20);
    expect(pauseAfterWrite(20, 0.81)).toBeCloseTo(380, 9);
    expect(pauseAfterWrite(20, 1)).toBeCloseTo(380, 9);
    expect(pauseAfterWrite(0, 1)).toBe(0);
  });

  it('leaves nearly all of the thread to requests while they keep it busy', async () => {
    const writes: Write[] = [];
    const running = runningJob();
    occupyEventLoop();
    await new HistoryWriter(slowStore(writes), new JobEvents(), () => undefined).flush(running);
    keepBusy = false;

    expect(writes).toHaveLength(3);
    expect(running.storedEpoch[0]).toBe(BigInt(3 * ROWS_PER_TRANSACTION));
    for (const { pauseMs, writeMs } of pauses(writes)) {
      expect(pauseMs).toBeGreaterThanOrEqual(writeMs * (1 / BUSY_WRITE_SHARE - 1) - 1);
    }
  });
});
