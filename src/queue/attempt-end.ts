import type { TrainOutcome } from '../../workers/protocol.js';
import type { JobRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { retryUntilWritten } from './backoff.js';
import type { HistoryWriter } from './history-writer.js';
import type { JobEvents } from './job-events.js';
import type { RunningJob } from './running-job.js';

export interface AttemptEndOptions {
  readonly store: Store;
  readonly events: JobEvents;
  readonly history: HistoryWriter;
  readonly maxAttempts: number;
  readonly now: () => number;
}

/**
 * Records how an attempt of a job that ran here ended, in one transaction with the reports not
 * yet stored: succeeded, cancelled or failed with its model and stop reason, suspended and back
 * in the queue with its checkpoint, or crashed and retried. Each write is retried while the
 * database is unreachable, and the new status is announced to this process's listeners.
 */
export class AttemptEnd {
  constructor(private readonly options: AttemptEndOptions) {}

  /** Records a finished attempt from what the worker returned (validated at the boundary). */
  async complete(running: RunningJob, outcome: TrainOutcome): Promise<void> {
    const { store, events, maxAttempts } = this.options;
    if (running.protocolError) {
      await this.crashed(
        running,
        new Error(`worker sent an invalid message: ${running.protocolError}`),
      );
      return;
    }
    const isSuspended = outcome.type === 'result' && outcome.stopReason === 'suspended';
    const history = await this.options.history.takeUnstoredReports(running, isSuspended);
    if (running.lost) return;
    const finishedAt = new Date().toISOString();
    const durationMs = this.options.now() - running.startedAt;
    /** The job as it ended, when the write returned it: announced without reading it again. */
    let ended: JobRecord | null = null;

    if (outcome.type === 'failure') {
      ended = await this.persistEnd(running, () =>
        store.jobs.finish(running.job.id, running.attempt, {
          status: 'failed',
          stopReason: null,
          error: { code: outcome.code, message: outcome.message },
          model: null,
          lastEpoch: running.lastEpoch,
          bestEpoch: running.bestEpoch,
          finishedAt,
          history,
        }),
      );
      running.logger.info({ status: 'failed', code: outcome.code, durationMs }, 'job finished');
    } else if (outcome.stopReason === 'suspended') {
      await this.persistEnd(running, () =>
        store.jobs.release(running.job.id, running.attempt, {
          countFailure: false,
          maxAttempts,
          // TrainOutcomeSchema holds a suspended job to returning its checkpoint.
          checkpoint: outcome.checkpoint!,
          failure: { code: 'WORKER_CRASHED', message: 'suspended' },
          finishedAt,
        }),
      );
      running.logger.info({ epoch: outcome.lastEpoch, durationMs }, 'job suspended and requeued');
    } else {
      const { stopReason } = outcome;
      const status = stopReason === 'cancelled' ? 'cancelled' : 'succeeded';
      ended = await this.persistEnd(running, () =>
        store.jobs.finish(running.job.id, running.attempt, {
          status,
          stopReason,
          error: null,
          model: { epoch: outcome.epoch, cost: outcome.cost, layers: outcome.layers },
          lastEpoch: outcome.lastEpoch,
          bestEpoch: outcome.bestEpoch,
          finishedAt,
          history,
        }),
      );
      running.logger.info(
        { status, stopReason: outcome.stopReason, epoch: outcome.epoch, durationMs },
        'job finished',
      );
    }
    // The last reports were stored with the end, in its transaction.
    if (history.length > 0)
      events.emit('recorded', running.job.id, history[history.length - 1].epoch);
    if (ended) events.emit('status', ended);
    else await this.announceStatus(running.job.id);
  }

  /** Records an attempt whose worker threw or died: retried up to maxAttempts, then failed. */
  async crashed(running: RunningJob, error: Error): Promise<void> {
    await this.options.history.flush(running);
    if (running.lost) return;
    const { store, maxAttempts } = this.options;
    const status = await this.persistEnd(running, () =>
      store.jobs.release(running.job.id, running.attempt, {
        countFailure: true,
        maxAttempts,
        checkpoint: null,
        failure: {
          code: 'WORKER_CRASHED',
          message: `the training worker crashed: ${error.message}`,
        },
        finishedAt: new Date().toISOString(),
      }),
    );
    running.logger.error({ err: error, status }, 'training worker crashed');
    await this.announceStatus(running.job.id);
  }

  /**
   * Runs the write that ends an attempt, retrying while the database is unreachable: until it
   * answers, the job stays running here and its lease is renewed once it is back.
   */
  private persistEnd<T>(running: RunningJob, write: () => Promise<T>): Promise<T | null> {
    return retryUntilWritten(write, {
      giveUp: () => running.lost,
      onError: (error) =>
        running.logger.warn({ err: error }, 'could not record the end of the attempt; will retry'),
    });
  }

  /** Tells local listeners how a job stands now; skips the read when nobody listens. */
  async announceStatus(jobId: string): Promise<void> {
    const { store, events } = this.options;
    if (events.listenerCount('status') === 0) return;
    // A database that fails right now costs the listeners this one event, nothing else.
    const after = await store.jobs.getById(jobId).catch(() => null);
    if (after) events.emit('status', after);
  }
}
