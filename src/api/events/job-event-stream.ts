import { Readable } from 'node:stream';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { isTerminal, type JobRecord } from '../../storage/records.js';
import type { Store } from '../../storage/store.js';
import { presentJob } from '../presenters.js';
import { toEpochFrame, type EpochFrame, type FeedListener, type JobFeed } from './job-feed.js';
import { HEARTBEAT_FRAME, namedFrame, retryFrame } from './sse.js';

/** What a stream logs through: its request's logger. */
export type StreamLogger = Pick<Logger, 'warn'>;

/** Bytes a stream may hold for a client that does not read, before it stops producing. */
const BUFFER_BYTES = 64 * 1024;
/** Epochs read from the history table per query while a stream catches up. */
const PAGE = 500;
/** Live epochs taken from the feed per turn. */
const BATCH = 200;
const RECONNECT_MS = 2000;

export interface JobEventStreamOptions {
  readonly feed: JobFeed;
  readonly store: Store;
  readonly logger: StreamLogger;
  /** Send epochs after this one. */
  readonly after: number;
  readonly onClose: (stream: JobEventStream) => void;
}

/**
 * One client's event stream: `status`, `epoch` and `end` events, in order, each epoch once.
 * Its position is the last epoch it sent; from there it takes each next epoch from the feed's
 * live tail when the tail holds it, else from the history table. It produces only while the
 * client reads: when its buffer is full it stops, and resumes (from memory or the database)
 * when the client has drained it, so a slow client costs a bounded buffer and a cursor.
 */
export class JobEventStream implements FeedListener {
  readonly readable: Readable;
  /** Since when a full buffer has waited for the client to read; null while it reads. */
  blockedSince: number | null = null;
  private cursor: number;
  private readonly statuses: JobRecord[] = [];
  /** The database held nothing after the cursor while it was known to reach this far. */
  private exhaustedAt = -1;
  private canPush = true;
  private pumping = false;
  private pumpAgain = false;
  private finished = false;

  constructor(private readonly options: JobEventStreamOptions) {
    this.cursor = options.after;
    this.readable = new Readable({
      highWaterMark: BUFFER_BYTES,
      read: () => {
        this.canPush = true;
        this.blockedSince = null;
        this.notify();
      },
    });
    this.readable.on('close', () => this.close());

    const { job } = options.feed;
    this.push(retryFrame(RECONNECT_MS));
    // The status as the stream opens goes first; a finished job's status goes last instead,
    // after its epochs, because the terminal status always precedes `end`.
    if (isTerminal(job.status)) this.statuses.push(job);
    else this.push(namedFrame('status', presentJob(job)));
  }

  notify(): void {
    void this.pump();
  }

  enqueueStatus(job: JobRecord): void {
    this.statuses.push(job);
  }

  heartbeat(): void {
    if (this.canPush && !this.finished) this.push(HEARTBEAT_FRAME);
  }

  /** Server shutdown: the client keeps what was sent and reconnects with Last-Event-ID. */
  end(): void {
    if (this.finished) return;
    this.readable.push(null);
    this.close();
  }

  /** Drops the connection: for a client that stopped reading, or a failed read. */
  destroy(error?: Error): void {
    this.readable.destroy(error);
    this.close();
  }

  private close(): void {
    if (this.finished) return;
    this.finished = true;
    this.options.onClose(this);
  }

  /** Delivers everything deliverable; one pass at a time, re-run if woken meanwhile. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.deliver();
      } while (this.pumpAgain && !this.finished);
    } catch (error) {
      this.options.logger.warn({ err: toError(error) }, 'event stream failed; closing it');
      this.destroy();
    } finally {
      this.pumping = false;
    }
  }

  private async deliver(): Promise<void> {
    const { feed, store } = this.options;
    while (!this.finished && this.canPush) {
      const live = feed.framesAfter(this.cursor, BATCH);
      if (live.length > 0) {
        this.sendEpochs(live);
        continue;
      }

      const known = feed.persistedThrough;
      if (known > this.cursor && known > this.exhaustedAt) {
        const items = await store.jobs.history(feed.jobId, this.cursor, PAGE);
        if (this.finished) return;
        // Nothing there (rows of an abandoned attempt trimmed): wait for a further horizon.
        if (items.length === 0) this.exhaustedAt = known;
        this.sendEpochs(items.map(toEpochFrame));
        continue;
      }

      // Every epoch known so far is out: statuses, which describe the job up to those epochs,
      // may follow. The terminal one ends the stream.
      const job = this.statuses.shift();
      if (!job) return;
      this.push(namedFrame('status', presentJob(job)));
      if (isTerminal(job.status)) {
        this.push(namedFrame('end', { status: job.status, epoch: job.epoch }));
        this.end();
      }
    }
  }

  /**
   * Sends frames as one chunk that fits the room left in the buffer (at least one frame): one
   * push per turn rather than per epoch, which is most of what a stream costs.
   */
  private sendEpochs(frames: readonly EpochFrame[]): void {
    const room = Math.max(1, BUFFER_BYTES - this.readable.readableLength);
    const chunk: Buffer[] = [];
    let bytes = 0;
    for (const { epoch, frame } of frames) {
      if (epoch <= this.cursor) continue;
      if (bytes > 0 && bytes + frame.length > room) break;
      chunk.push(frame);
      bytes += frame.length;
      this.cursor = epoch;
    }
    if (chunk.length > 0) this.push(chunk.length === 1 ? chunk[0] : Buffer.concat(chunk, bytes));
  }

  private push(frame: string | Buffer): boolean {
    if (this.readable.push(frame)) return true;
    this.canPush = false;
    this.blockedSince ??= Date.now();
    return false;
  }
}
