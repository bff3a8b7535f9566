import type { Logger } from '../logger.js';
import type { HistoryItem, JobRecord, StoredCheckpoint } from '../storage/records.js';

/**
 * Epoch reports per transaction. Small enough that one write blocks the event loop for a few
 * milliseconds (polls are answered between two writes), large enough to cost few commits.
 */
export const ROWS_PER_TRANSACTION = 1000;

/** Reports per worker message, and how far a worker may run ahead of the stored history. */
export const REPORTS_PER_MESSAGE = 1000;
export const MAX_UNSTORED_EPOCHS = 10_000;

/** A job this process is training right now. */
export interface RunningJob {
  readonly job: JobRecord;
  readonly attempt: number;
  readonly control: Int32Array;
  /** The last epoch stored, shared with the worker, which pauses when too far ahead of it. */
  readonly storedEpoch: BigInt64Array;
  readonly logger: Logger;
  readonly startedAt: number;
  pending: HistoryItem[];
  pendingCheckpoint: StoredCheckpoint | null;
  /**
   * The newest epoch already announced on JobEvents, by this attempt or an earlier one: a
   * resumed attempt replays the epochs after its checkpoint, and listeners must not see them twice.
   */
  announcedEpoch: number;
  lastEpoch: number;
  lastCost: number | null;
  lastValidationCost: number | null;
  bestEpoch: number | null;
  /** The best epoch as last written: never one after the stored history. */
  writtenBestEpoch: number | null;
  flushTimer: NodeJS.Timeout | null;
  /** Writes of this job, chained so that they commit in order. */
  writes: Promise<void>;
  /** True while a write loop is storing `pending`; it picks up reports that arrive meanwhile. */
  draining: boolean;
  /** The pause before the next try of a progress write that failed; 0 while writes succeed. */
  progressRetryMs: number;
  /** Set when another process took the job: nothing more may be written for this attempt. */
  lost: boolean;
  suspending: boolean;
  /** A message from the worker that broke the protocol: the attempt counts as crashed. */
  protocolError: string | null;
}

/** Tells the worker to cancel or suspend, waking it if it waits for the history to be stored. */
export function signal(running: RunningJob, value: number): void {
  Atomics.store(running.control, 0, value);
  Atomics.notify(running.storedEpoch, 0);
}
