import type { Readable } from 'node:stream';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobEvents } from '../../queue/job-events.js';
import type { HistoryItem, JobRecord } from '../../storage/records.js';
import type { Store } from '../../storage/store.js';
import { JobFeed } from './job-feed.js';
import { JobEventStream, type StreamLogger } from './job-event-stream.js';

export interface JobEventHubOptions {
  readonly store: Store;
  readonly events: JobEvents;
  readonly logger: Logger;
  /** A comment line on every idle stream this often. */
  readonly heartbeatMs?: number;
  /** How often a watched, unfinished job is read back from the database. */
  readonly pollMs?: number;
  /**
   * How often the store's change stamp is looked at (SQLite: about a microsecond); when it
   * moved, watched jobs are read back at once instead of at the next poll.
   */
  readonly changeWatchMs?: number;
  /** A client that has not read for this long is disconnected. */
  readonly stallTimeoutMs?: number;
}

/** How long shutdown waits for streams to flush their end before cutting them. */
const CLOSE_GRACE_MS = 1000;

/**
 * Fans job events out to every open event stream. It listens to the in-process job events
 * once, whatever the number of streams, and keeps one feed per watched job that all of that
 * job's streams share. Each feed also reads its job back from the database every `pollMs`,
 * and within `changeWatchMs` of any commit the store's change stamp reveals: that catches
 * changes no local event announces (a job trained by another process on the same SQLite file,
 * a lease that expired) at the cost of one query per watched job, not per client.
 */
export class JobEventHub {
  private readonly feeds = new Map<string, JobFeed>();
  private readonly streams = new Set<JobEventStream>();
  private readonly timers: NodeJS.Timeout[];
  private readonly stallTimeoutMs: number;
  private closed = false;
  private lastStamp: string | null = null;

  constructor(private readonly options: JobEventHubOptions) {
    this.stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    options.events.on('epochs', this.onEpochs);
    options.events.on('recorded', this.onRecorded);
    options.events.on('status', this.onStatus);
    this.timers = [
      setInterval(() => this.heartbeat(), options.heartbeatMs ?? 15_000).unref(),
      setInterval(() => this.poll(), options.pollMs ?? 2000).unref(),
      setInterval(() => this.pollIfChanged(), options.changeWatchMs ?? 50).unref(),
    ];
  }

  /** Open streams, for metrics. */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Jobs with at least one open stream. */
  get watchedJobCount(): number {
    return this.feeds.size;
  }

  /** A new event stream of `job`, resuming after epoch `after`. */
  open(job: JobRecord, after: number, logger: StreamLogger): Readable {
    let feed = this.feeds.get(job.id);
    if (feed) feed.updateJob(job);
    else {
      feed = new JobFeed(job.id, job);
      this.feeds.set(job.id, feed);
    }

    const stream = new JobEventStream({
      feed,
      store: this.options.store,
      logger,
      after,
      onClose: (closed) => this.forget(feed, closed),
    });
    feed.listeners.add(stream);
    this.streams.add(stream);
    if (this.closed) stream.end();
    else stream.notify();
    return stream.readable;
  }

  /**
   * Server shutdown: ends every stream, so that closing the server does not wait for clients
   * that would otherwise stay connected forever; those that do not flush in time are cut.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    const { events } = this.options;
    events.off('epochs', this.onEpochs);
    events.off('recorded', this.onRecorded);
    events.off('status', this.onStatus);

    const open = [...this.streams];
    const flushed = open.map(
      (stream) =>
        new Promise<void>((resolve) => {
          stream.readable.once('close', resolve);
          stream.readable.once('end', resolve);
        }),
    );
    for (const stream of open) stream.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(flushed),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    for (const stream of open) if (!stream.readable.destroyed) stream.readable.destroy();
  }

  private readonly onEpochs = (jobId: string, items: readonly HistoryItem[]): void => {
    this.feeds.get(jobId)?.addEpochs(items);
  };

  private readonly onRecorded = (jobId: string, epoch: number): void => {
    this.feeds.get(jobId)?.markRecorded(epoch);
  };

  private readonly onStatus = (job: JobRecord): void => {
    this.feeds.get(job.id)?.updateJob(job);
  };

  private forget(feed: JobFeed, stream: JobEventStream): void {
    this.streams.delete(stream);
    feed.listeners.delete(stream);
    if (feed.listeners.size === 0 && this.feeds.get(feed.jobId) === feed)
      this.feeds.delete(feed.jobId);
  }

  private heartbeat(): void {
    for (const stream of this.streams) stream.heartbeat();
  }

  /** Reads the watched jobs back now if anything was committed since the last look. */
  private pollIfChanged(): void {
    if (this.feeds.size === 0) return;
    let stamp: string | null;
    try {
      stamp = this.options.store.changeStamp();
    } catch {
      return; // the store is closing: the slow poll reports what fails
    }
    if (stamp === null || stamp === this.lastStamp) return;
    this.lastStamp = stamp;
    this.readBackFeeds();
  }

  private poll(): void {
    const now = Date.now();
    for (const stream of this.streams) {
      if (stream.blockedSince !== null && now - stream.blockedSince > this.stallTimeoutMs) {
        this.options.logger.info(
          { blockedMs: now - stream.blockedSince },
          'event stream client stopped reading; disconnected',
        );
        stream.destroy();
      }
    }
    this.readBackFeeds();
  }

  /**
   * On PostgreSQL, epochs of a job another replica trains arrive through LISTEN/NOTIFY
   * (src/queue/remote-job-events.ts) and this is only a fallback. Processes on one SQLite file
   * have no notifications: there SQLite's data version, in the change stamp, tells this one.
   */
  private readBackFeeds(): void {
    for (const feed of this.feeds.values()) {
      feed
        .poll(() => this.options.store.jobs.getById(feed.jobId))
        .catch((error) => {
          this.options.logger.warn(
            { err: toError(error), jobId: feed.jobId },
            'could not poll a watched job',
          );
        });
    }
  }
}
