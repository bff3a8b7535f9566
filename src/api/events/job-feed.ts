import { isTerminal, type HistoryItem, type JobRecord } from '../../storage/records.js';
import { epochFrame } from './sse.js';

/** An epoch formatted and encoded once as an SSE frame, shared by every stream of its job. */
export interface EpochFrame {
  readonly epoch: number;
  readonly frame: Buffer;
}

export function toEpochFrame(item: HistoryItem): EpochFrame {
  return { epoch: item.epoch, frame: Buffer.from(epochFrame(item)) };
}

/**
 * Live epochs kept in memory per watched job, at least; older ones are read back from the
 * history table. A larger batch (a fast job reports thousands of epochs at once) is kept
 * whole: the dispatcher holds it in memory until it is written anyway.
 */
const MIN_TAIL = 1024;

/** Anything that wants to hear when its feed learned something new. */
export interface FeedListener {
  /** New epochs, a newer database horizon or a new status: deliver what is now deliverable. */
  notify(): void;
  /** The job reached a newer status than any seen before, in order. */
  enqueueStatus(job: JobRecord): void;
}

/**
 * What the service knows about one watched job, shared by all of its event streams: the newest
 * status, how far the history table is known to reach, and the most recent live epochs.
 * The dispatcher announces epochs before it writes them, so the tail may run ahead of the
 * database; a stream takes an epoch from whichever of the two holds it, by epoch number.
 */
export class JobFeed {
  readonly listeners = new Set<FeedListener>();
  /** The history table holds every epoch through this one, as far as this process knows. */
  persistedThrough: number;
  private current: JobRecord;
  /** Ascending and contiguous: tail[i].epoch === tail[0].epoch + i. */
  private tail: EpochFrame[] = [];
  private polling = false;

  constructor(
    readonly jobId: string,
    job: JobRecord,
  ) {
    this.current = job;
    this.persistedThrough = job.epoch;
  }

  get job(): JobRecord {
    return this.current;
  }

  get isFinished(): boolean {
    return isTerminal(this.current.status);
  }

  /** Live epochs from the dispatcher, before they are written. */
  addEpochs(items: readonly HistoryItem[]): void {
    if (items.length === 0) return;
    const frames = items.map(toEpochFrame);
    const last = this.tail[this.tail.length - 1];

    // A new attempt resumes from its checkpoint and replays epochs the tail may hold: those
    // frames are replaced, and a jump ahead (epochs announced before this feed existed) starts
    // a new tail. Either way the tail stays one contiguous run.
    if (last && frames[0].epoch === last.epoch + 1) this.tail.push(...frames);
    else this.tail = frames;
    const keep = Math.max(MIN_TAIL, frames.length);
    if (this.tail.length > keep) this.tail = this.tail.slice(this.tail.length - keep);
    this.notifyAll();
  }

  /** The dispatcher committed epochs through `epoch`. */
  markRecorded(epoch: number): void {
    if (epoch <= this.persistedThrough) return;
    this.persistedThrough = epoch;
    this.notifyAll();
  }

  /**
   * A job record from an event or a poll. Only a newer state than the one held is passed on,
   * so the same change seen twice (announced, then polled) reaches each stream once, and a
   * stale read that lands late cannot step the status backwards.
   */
  updateJob(job: JobRecord): void {
    const isNewer = statusVersion(job) > statusVersion(this.current);
    if (isNewer) this.current = job;
    const isFurther = job.epoch > this.persistedThrough;
    if (isFurther) this.persistedThrough = job.epoch;

    if (isNewer) for (const listener of this.listeners) listener.enqueueStatus(job);
    if (isNewer || isFurther) this.notifyAll();
  }

  /** The tail's frames from epoch `after + 1` on, at most `max`; empty unless the tail holds it. */
  framesAfter(after: number, max: number): readonly EpochFrame[] {
    if (this.tail.length === 0) return [];
    const start = after + 1 - this.tail[0].epoch;
    if (start < 0 || start >= this.tail.length) return [];
    return this.tail.slice(start, start + max);
  }

  /** Runs one poll at a time: a slow database never piles up polls of the same job. */
  async poll(read: () => Promise<JobRecord | null>): Promise<void> {
    if (this.polling || this.isFinished) return;
    this.polling = true;
    try {
      const job = await read();
      if (job) this.updateJob(job);
    } finally {
      this.polling = false;
    }
  }

  private notifyAll(): void {
    for (const listener of this.listeners) listener.notify();
  }
}

/**
 * Orders the states of one job. Each claim raises `attempts`; within one attempt a job runs,
 * may be flagged for cancel, then ends or goes back to the queue. A job that has not run yet
 * (attempts 0, queued) ranks below its first claim.
 */
export function statusVersion(job: JobRecord): number {
  const phase = job.status === 'running' ? 0 : job.status === 'queued' ? 1 : 2;
  return job.attempts * 8 + phase * 2 + (job.cancelRequested ? 1 : 0);
}
