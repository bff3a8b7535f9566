import { MessageChannel } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import { toError } from '../errors.js';
import type { HistoryItem } from '../storage/records.js';
import type { ClaimedJob, Store, StoreNotification } from '../storage/store.js';
import {
  CONTROL,
  CONTROL_BYTES,
  TrainOutcomeSchema,
  ProgressMessageSchema,
  controlViews,
  type TrainTask,
} from '../../workers/protocol.js';
import { AttemptEnd } from './attempt-end.js';
import { HistoryWriter } from './history-writer.js';
import { ProgressPort } from './progress-port.js';
import type { JobEvents } from './job-events.js';
import { toEngineOptions } from './engine-options.js';
import type { OwnerIdentity } from './owner.js';
import {
  MAX_UNSTORED_EPOCHS,
  REPORTS_PER_MESSAGE,
  ROWS_PER_TRANSACTION,
  signal,
  type RunningJob,
} from './running-job.js';
import type { WorkerPool } from './worker-pool.js';

export interface DispatcherOptions {
  readonly store: Store;
  readonly pool: WorkerPool;
  readonly events: JobEvents;
  readonly logger: Logger;
  readonly owner: OwnerIdentity;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly checkpointEveryEpochs: number;
  readonly checkpointEveryMs: number;
  /** How often to look for runnable jobs that no local event announced (other processes). */
  readonly pollMs?: number;
  /** How long epoch reports may wait in memory before they are written. */
  readonly flushMs?: number;
  readonly now?: () => number;
}

/**
 * The main thread's side of the queue: claims runnable jobs in submission order while the pool
 * has free threads, runs each on a worker, writes its epoch reports in batched transactions as
 * they arrive, keeps its lease alive, and records how it ended. Only this class (on the main
 * thread) writes a running job's rows. The store's notifications wake it when a job becomes
 * runnable and carry cancels to it, from this process or (PostgreSQL) from any replica.
 */
export class Dispatcher {
  private readonly running = new Map<string, RunningJob>();
  private readonly finished = new Set<Promise<void>>();
  private readonly pollMs: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly history: HistoryWriter;
  private readonly attemptEnd: AttemptEnd;
  private claiming: Promise<void> | null = null;
  private wakeAgain = false;
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | null = null;
  /** Set while claims fail, so that an unreachable database is logged once, not every poll. */
  private claimFailing = false;

  constructor(private readonly options: DispatcherOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.flushMs = options.flushMs ?? 200;
    this.now = options.now ?? Date.now;
    this.history = new HistoryWriter(options.store, options.events, (running) =>
      this.loseLease(running),
    );
    this.attemptEnd = new AttemptEnd({
      store: options.store,
      events: options.events,
      history: this.history,
      maxAttempts: options.maxAttempts,
      now: this.now,
    });
  }

  get runningCount(): number {
    return this.running.size;
  }

  isRunningHere(jobId: string): boolean {
    return this.running.has(jobId);
  }

  start(): void {
    const heartbeatMs = Math.min(this.options.leaseMs / 3, 1000);
    this.timers.push(setInterval(() => this.wake(), this.pollMs).unref());
    this.timers.push(setInterval(() => void this.heartbeat(), heartbeatMs).unref());
    this.unsubscribe = this.options.store.notifications.subscribe((notification) =>
      this.notified(notification),
    );
    this.wake();
  }

  private notified(notification: StoreNotification): void {
    if (notification.type === 'runnable' || notification.type === 'resync') {
      this.wake();
    } else if (
      notification.type === 'status' &&
      notification.reason === 'leaseExpired' &&
      notification.origin === this.options.store.notifications.origin
    ) {
      // Failed by this process's own claim: no attempt ran here to announce its end.
      void this.attemptEnd.announceStatus(notification.jobId);
    } else if (notification.type === 'cancel') {
      const running = this.running.get(notification.jobId);
      if (!running) return;
      running.logger.info({ via: 'notification' }, 'cancel requested');
      this.cancel(notification.jobId);
    }
  }

  /** Claims runnable jobs until the pool is full or none is left; safe to call any time. */
  wake(): void {
    if (this.stopping) return;
    if (this.claiming) {
      this.wakeAgain = true;
      return;
    }
    this.claiming = this.claimWhileCapacity().finally(() => {
      this.claiming = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /** Stops a job running here at its next step; it ends cancelled with its last epoch's weights. */
  cancel(jobId: string): void {
    const running = this.running.get(jobId);
    if (running) signal(running, CONTROL.CANCEL);
  }

  /**
   * Graceful stop: claims nothing more, asks every running job to suspend at its next step
   * (it checkpoints its last finished epoch and goes back to the queue), and waits up to
   * `timeoutMs`. Jobs still running then are put back in the queue from their newest stored
   * checkpoint before the pool is torn down.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.claiming;

    for (const running of this.running.values()) {
      running.suspending = true;
      signal(running, CONTROL.SUSPEND);
    }
    const settled = Promise.allSettled([...this.finished]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);

    if (timedOut) {
      for (const running of this.running.values()) {
        running.lost = true;
        running.logger.warn('job did not suspend in time; requeued from its newest checkpoint');
        await this.options.store.jobs
          .release(running.job.id, running.attempt, {
            countFailure: false,
            maxAttempts: this.options.maxAttempts,
            checkpoint: null,
            failure: { code: 'WORKER_CRASHED', message: 'shutdown' },
            finishedAt: new Date().toISOString(),
          })
          .catch((error) =>
            running.logger.error({ err: error }, 'could not requeue job at shutdown'),
          );
      }
    }
  }

  private async claimWhileCapacity(): Promise<void> {
    const { store, pool, owner, leaseMs, maxAttempts } = this.options;
    while (!this.stopping && this.running.size < pool.size) {
      let claimed: ClaimedJob | null;
      try {
        claimed = await store.jobs.claimNext({
          owner: owner.id,
          now: this.now(),
          leaseMs,
          maxAttempts,
          startedAt: new Date().toISOString(),
        });
      } catch (error) {
        if (!this.claimFailing)
          this.options.logger.error({ err: toError(error) }, 'could not claim a job');
        this.claimFailing = true;
        return;
      }
      if (this.claimFailing) this.options.logger.info('claiming jobs again');
      this.claimFailing = false;
      if (!claimed) return;
      this.launch(claimed);
    }
  }

  private launch(claimed: ClaimedJob): void {
    const { job, dataset } = claimed;
    const attempt = job.attempts;
    const logger = this.options.logger.child({ jobId: job.id, attempt });
    const controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
    const views = controlViews(controlBuffer);
    const resumeEpoch = claimed.checkpoint?.epoch ?? 0;
    views.stored!.fill(BigInt(resumeEpoch));
    const running: RunningJob = {
      job,
      attempt,
      logger,
      control: views.signal,
      storedEpoch: views.stored!,
      startedAt: this.now(),
      pending: [],
      pendingCheckpoint: null,
      announcedEpoch: job.epoch,
      lastEpoch: resumeEpoch,
      lastCost: job.cost,
      lastValidationCost: job.validationCost,
      bestEpoch: job.bestEpoch,
      writtenBestEpoch: job.bestEpoch,
      flushTimer: null,
      writes: Promise.resolve(),
      draining: false,
      progressRetryMs: 0,
      lost: false,
      suspending: false,
      protocolError: null,
    };
    if (job.cancelRequested) signal(running, CONTROL.CANCEL);
    this.running.set(job.id, running);
    this.options.events.emit('status', job);
    logger.info(
      { epochs: job.epochs, resumeFromEpoch: claimed.checkpoint?.epoch ?? 0 },
      'job started',
    );

    const channel = new MessageChannel();
    const port = new ProgressPort(channel.port1, (message) => {
      const parsed = ProgressMessageSchema.safeParse(message);
      if (!parsed.success) {
        // Dropping it would silently lose epochs: stop the attempt and let it be retried.
        logger.error({ issues: parsed.error.issues.slice(0, 3) }, 'invalid message from worker');
        running.protocolError ??= parsed.error.issues[0]?.message ?? 'invalid message';
        signal(running, CONTROL.CANCEL);
        return;
      }
      const { reports, bestEpoch, checkpoint } = parsed.data;
      this.acceptReports(running, reports, bestEpoch);
      if (checkpoint) running.pendingCheckpoint = checkpoint;
      this.scheduleWrite(running);
    });

    const task: TrainTask = {
      jobId: job.id,
      attempt,
      network: job.network,
      training: toEngineOptions(job.training),
      dataset,
      initialLayers: claimed.initialModel,
      checkpoint: claimed.checkpoint?.state ?? null,
      control: controlBuffer,
      port: channel.port2,
      checkpointEveryEpochs: this.options.checkpointEveryEpochs,
      checkpointEveryMs: this.options.checkpointEveryMs,
      reportEveryMs: 50,
      maxReportsPerMessage: REPORTS_PER_MESSAGE,
      maxUnstoredEpochs: MAX_UNSTORED_EPOCHS,
    };
    const transfer = [
      dataset.inputs.buffer as ArrayBuffer,
      dataset.targets.buffer as ArrayBuffer,
      channel.port2,
    ];

    const done = this.options.pool
      .run(task, transfer)
      .then(
        async (raw) => {
          const parsed = TrainOutcomeSchema.safeParse(raw);
          if (!parsed.success) {
            await port.closedWithin(100);
            const issue = parsed.error.issues[0];
            const where = issue?.path.join('.') ?? '';
            const error = `worker returned an invalid outcome: ${where} ${issue?.message}`;
            await this.attemptEnd.crashed(running, new Error(error));
            return;
          }
          // A port delivers in order, but apart from the outcome: every report is stored before
          // the end is recorded, so wait (without a timeout) for all the worker sent.
          const outcome = parsed.data;
          await port.received(outcome.progressMessages);
          this.acceptReports(running, outcome.reports, outcome.bestEpoch);
          await this.attemptEnd.complete(running, outcome);
        },
        async (error: unknown) => {
          await port.closedWithin(100);
          await this.attemptEnd.crashed(running, toError(error));
        },
      )
      .catch((error) => logger.error({ err: toError(error) }, 'could not record the end of a job'))
      .finally(() => {
        port.close();
        this.running.delete(job.id);
        this.finished.delete(done);
        this.wake();
      });
    this.finished.add(done);
  }

  /** Takes reports from the worker into the job's unstored history and announces new epochs. */
  private acceptReports(
    running: RunningJob,
    reports: HistoryItem[],
    bestEpoch: number | null,
  ): void {
    running.bestEpoch = bestEpoch;
    if (reports.length === 0) return;
    const last = reports[reports.length - 1];
    running.pending.push(...reports);
    running.lastEpoch = last.epoch;
    running.lastCost = last.cost;
    running.lastValidationCost = last.validationCost ?? null;
    const fresh = reports.filter((report) => report.epoch > running.announcedEpoch);
    if (fresh.length > 0) {
      running.announcedEpoch = fresh[fresh.length - 1].epoch;
      this.options.events.emit('epochs', running.job.id, fresh);
    }
    if (running.logger.isLevelEnabled('debug')) {
      for (const report of reports)
        running.logger.debug({ epoch: report.epoch, cost: report.cost }, 'epoch');
    }
  }

  /**
   * A checkpoint, a full transaction's worth, or a worker that may be waiting for the database
   * is written at once; fewer reports wait up to flushMs, so that a slow job costs a few
   * transactions per second, not one per epoch.
   */
  private scheduleWrite(running: RunningJob): void {
    const workerMayWait =
      running.lastEpoch - Number(running.storedEpoch[0]) > MAX_UNSTORED_EPOCHS / 2;
    const isFullTransaction = running.pending.length >= ROWS_PER_TRANSACTION;
    if (running.pendingCheckpoint || workerMayWait || isFullTransaction) {
      void this.history.flush(running);
    } else {
      running.flushTimer ??= setTimeout(() => void this.history.flush(running), this.flushMs);
    }
  }

  private loseLease(running: RunningJob): void {
    if (running.lost) return;
    running.lost = true;
    running.logger.warn('lease lost to another process; abandoning this attempt');
    signal(running, CONTROL.CANCEL);
  }

  private async heartbeat(): Promise<void> {
    if (this.running.size === 0) return;
    const leases = [...this.running.values()].map((running) => ({
      id: running.job.id,
      attempt: running.attempt,
    }));
    try {
      const { held, lost } = await this.options.store.jobs.renewLeases(
        this.options.owner.id,
        leases,
        this.now() + this.options.leaseMs,
      );
      for (const id of lost) {
        const running = this.running.get(id);
        if (running) this.loseLease(running);
      }
      for (const lease of held) {
        if (lease.cancelRequested) this.cancel(lease.id);
      }
    } catch (error) {
      this.options.logger.warn({ err: toError(error) }, 'could not renew leases');
    }
  }
}
