import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isTerminal } from '../storage/records.js';
import type { Store, StoreNotification } from '../storage/store.js';
import type { JobEvents } from './job-events.js';

/**
 * Brings the progress of jobs that other replicas train to this process's JobEvents, so an
 * event stream served here follows a job trained anywhere. On a notification that job X has new
 * epochs up to E, it reads the history rows after the last epoch it emitted for X (up to E) and
 * emits them: in order and none twice, even when a notification was lost or a resumed attempt
 * rewrote epochs already sent. Notifications are handled one at a time, in arrival order, so a
 * job's last epochs are emitted before its final status.
 *
 * Does nothing where notifications stay in this process (SQLite): there every job that changes
 * runs here, and the dispatcher emits its events itself.
 */
export class RemoteJobEvents {
  /** The newest epoch emitted for each job followed here. */
  private readonly emittedThrough = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: Store,
    private readonly events: JobEvents,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const { notifications } = this.store;
    if (!notifications.reachesOtherProcesses) return;
    this.unsubscribe = notifications.subscribe((notification) => {
      // Our own changes were emitted by our dispatcher or API already.
      if (notification.origin === notifications.origin && notification.type !== 'resync') return;
      if (notification.type === 'runnable' || notification.type === 'cancel') return;
      this.queue = this.queue
        .then(() => this.handle(notification))
        .catch((error) =>
          this.logger.warn(
            { err: toError(error) },
            'could not relay a job event from another replica',
          ),
        );
    });
  }

  /** Stops listening; resolves once the notifications already received are handled. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.queue;
  }

  private async handle(notification: StoreNotification): Promise<void> {
    if (notification.type === 'epochs') {
      await this.relayEpochs(notification.jobId, notification.fromEpoch, notification.toEpoch);
    } else if (notification.type === 'status') {
      await this.relayStatus(notification.jobId);
    } else if (notification.type === 'resync') {
      // Notifications sent while the listener was away are lost: catch up on every job followed.
      for (const jobId of [...this.emittedThrough.keys()]) await this.relayStatus(jobId);
    }
  }

  private async relayEpochs(jobId: string, fromEpoch: number, toEpoch: number): Promise<void> {
    // Nobody listens: reading the rows would be wasted, and a later listener starts from then on.
    if (this.events.listenerCount('epochs') === 0) {
      this.emittedThrough.delete(jobId);
      return;
    }
    const after = this.emittedThrough.get(jobId) ?? fromEpoch - 1;
    if (toEpoch <= after) return;
    const items = (await this.store.jobs.history(jobId, after, toEpoch - after)).filter(
      (item) => item.epoch <= toEpoch,
    );
    if (items.length === 0) return;
    const last = items[items.length - 1].epoch;
    this.emittedThrough.set(jobId, last);
    this.events.emit('epochs', jobId, items);
    // Read back from the history table, so already written: streams waiting for it may proceed.
    this.events.emit('recorded', jobId, last);
  }

  private async relayStatus(jobId: string): Promise<void> {
    if (this.events.listenerCount('status') === 0 && !this.emittedThrough.has(jobId)) return;
    const job = await this.store.jobs.getById(jobId);
    if (!job) return;
    const followed = this.emittedThrough.get(jobId);
    if (followed !== undefined && job.epoch > followed)
      await this.relayEpochs(jobId, followed + 1, job.epoch);
    if (isTerminal(job.status)) this.emittedThrough.delete(jobId);
    this.events.emit('status', job);
  }
}
