import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { toError } from '../errors.js';
import type { HistoryItem } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { RETRY_FIRST_MS, RETRY_MAX_MS, sleep } from './backoff.js';
import type { JobEvents } from './job-events.js';
import { ROWS_PER_TRANSACTION, type RunningJob } from './running-job.js';

/** The share of the main thread that history writes may take while it has time to spare. */
export const SPARE_WRITE_SHARE = 0.5;

/** Their share while requests keep the main thread busy: requests come first, as in training. */
export const BUSY_WRITE_SHARE = 0.05;

/** Event-loop utilization between two writes above which requests keep the thread busy. */
const BUSY_UTILIZATION = 0.8;

/**
 * Stores the epoch reports of the jobs this process runs: in order, in fenced transactions of
 * bounded size, retried while the database is unreachable, and with a bounded share of the main
 * thread, so that API requests are answered while the fastest jobs train. One per dispatcher:
 * the write budget is shared by every job.
 */
export class HistoryWriter {
  /** The last history write, which sets the pause before the next: see waitForWriteTurn. */
  private lastWrite: { endedAt: number; ms: number; loop: EventLoopUtilization } | null = null;
  /** Write turns handed out so far, by every job's write loop. */
  private turnsTaken = 0;

  constructor(
    private readonly store: Store,
    private readonly events: JobEvents,
    /** Called when a write is fenced out: another process holds the job now. */
    private readonly onLeaseLost: (running: RunningJob) => void,
  ) {}

  /** Starts storing buffered reports unless a write loop runs; resolves once all are stored. */
  flush(running: RunningJob): Promise<void> {
    if (running.flushTimer) clearTimeout(running.flushTimer);
    running.flushTimer = null;
    const hasPending = running.pending.length > 0 || running.pendingCheckpoint !== null;
    if (running.draining || running.lost || !hasPending) return running.writes;

    running.draining = true;
    running.writes = running.writes
      .then(() => this.drain(running))
      .finally(() => {
        running.draining = false;
      });
    return running.writes;
  }

  /**
   * Stores buffered reports in fenced transactions of at most ROWS_PER_TRANSACTION rows, in
   * order, each in its own turn of the event loop so that API requests are answered between
   * two. Each stored epoch is published to the worker, which pauses when it runs too far ahead.
   * A write that fails (the database is unreachable) is retried with growing pauses: dropping
   * it would leave a hole in the history, and the paused worker waits meanwhile.
   */
  private async drain(running: RunningJob): Promise<void> {
    const { store, events } = this;
    while (!running.lost && (running.pending.length > 0 || running.pendingCheckpoint)) {
      // Never inside a message callback: Node delivers up to 1,000 queued worker messages in one
      // go, and a write per message (which lets the worker send more) would starve every request.
      await yieldToEventLoop();
      await this.waitForWriteTurn();
      if (running.lost) return;

      const items = running.pending.splice(0, ROWS_PER_TRANSACTION);
      const last = items.length > 0 ? items[items.length - 1] : null;
      const epoch =
        last?.epoch ??
        Math.max(Number(running.storedEpoch[0]), running.pendingCheckpoint?.epoch ?? 0);
      // A checkpoint goes in the transaction that reaches its epoch, never before its history.
      const checkpoint =
        running.pendingCheckpoint && running.pendingCheckpoint.epoch <= epoch
          ? running.pendingCheckpoint
          : null;
      if (checkpoint) running.pendingCheckpoint = null;
      const bestEpoch =
        running.bestEpoch !== null && running.bestEpoch <= epoch
          ? running.bestEpoch
          : running.writtenBestEpoch;

      const writeStartedAt = performance.now();
      let held: boolean;
      try {
        held = await store.jobs.recordProgress(running.job.id, running.attempt, {
          items,
          epoch,
          bestEpoch,
          checkpoint,
          cost: last ? last.cost : running.lastCost,
          validationCost: last ? (last.validationCost ?? null) : running.lastValidationCost,
        });
      } catch (error) {
        if (running.progressRetryMs === 0) {
          running.logger.warn(
            { err: toError(error), epoch },
            'could not record progress; will retry',
          );
        }
        running.progressRetryMs = Math.min(
          Math.max(2 * running.progressRetryMs, RETRY_FIRST_MS),
          RETRY_MAX_MS,
        );
        running.pending.unshift(...items);
        running.pendingCheckpoint ??= checkpoint;
        await sleep(running.progressRetryMs);
        continue;
      }
      running.progressRetryMs = 0;
      const endedAt = performance.now();
      this.lastWrite = {
        endedAt,
        ms: endedAt - writeStartedAt,
        loop: performance.eventLoopUtilization(),
      };
      if (!held) {
        this.onLeaseLost(running);
        return;
      }
      running.writtenBestEpoch = bestEpoch;
      Atomics.store(running.storedEpoch, 0, BigInt(epoch));
      Atomics.notify(running.storedEpoch, 0);
      // Event streams that joined after these epochs were announced read them back once written.
      if (last) events.emit('recorded', running.job.id, last.epoch);
    }
  }

  /**
   * Paces history writes to a share of the main thread. Jobs with microsecond epochs always
   * have reports to write, and without a limit polls would only be answered in the gaps.
   *
   * After a write of d ms, the next one (of any job) waits until d ms have passed: writes get
   * at most half of the thread. If the event loop had next to no idle time meanwhile, requests
   * keep the thread busy, and the write waits until 19·d ms have passed: writes then get a
   * twentieth, and the API nearly all of the rest. Their workers pause while too many of their
   * epochs are unstored (see MAX_UNSTORED_EPOCHS), so the fastest jobs train slower while the
   * API is saturated; jobs whose epochs take milliseconds write too little to notice. A lone
   * write (a small job's history) never waits. The share is the thread's, not each job's: two
   * jobs' loops take turns.
   */
  private async waitForWriteTurn(): Promise<void> {
    for (;;) {
      const last = this.lastWrite;
      const turns = this.turnsTaken;
      if (last) {
        // The spare pace first (utilization 0), then the one the load since the write asks for.
        await sleepUntil(last.endedAt + pauseAfterWrite(last.ms, 0));

        const utilization = performance.eventLoopUtilization(last.loop).utilization;
        await sleepUntil(last.endedAt + pauseAfterWrite(last.ms, utilization));
      }
      // Every job's loop waits for the same turn: the first to wake takes it, and the others
      // wait for the pause after its write. Going along would multiply the share by the jobs.
      if (this.turnsTaken === turns) {
        this.turnsTaken++;
        return;
      }
    }
  }

  /**
   * The reports of an ended job that are not stored yet, for its final transaction. A write loop
   * already running, or a backlog too large for one transaction, is stored first; a job that
   * goes back to the queue keeps every report in the history.
   */
  async takeUnstoredReports(running: RunningJob, storeAll: boolean): Promise<HistoryItem[]> {
    if (
      storeAll ||
      running.draining ||
      running.pendingCheckpoint ||
      running.pending.length > ROWS_PER_TRANSACTION
    ) {
      await this.flush(running);
    }
    if (running.flushTimer) clearTimeout(running.flushTimer);
    running.flushTimer = null;
    const reports = running.pending;
    running.pending = [];
    return reports;
  }
}

/**
 * How long the main thread is left to other work after a history write of writeMs, given the
 * event loop's utilization since that write: the pace that gives writes their share.
 */
export function pauseAfterWrite(writeMs: number, utilization: number): number {
  const share = utilization > BUSY_UTILIZATION ? BUSY_WRITE_SHARE : SPARE_WRITE_SHARE;
  return writeMs * (1 / share - 1);
}

async function sleepUntil(time: number): Promise<void> {
  let wait = time - performance.now();
  while (wait > 0) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = time - performance.now();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
