import { randomBytes } from 'node:crypto';
import type { StoreNotification, StoreNotifications } from './store.js';

type Listener = (notification: StoreNotification) => void;

/**
 * Hands notifications to this process's listeners, in the order they arrive. Each backend
 * feeds it: SQLite with its own committed writes, PostgreSQL with what its LISTEN connection
 * receives from every replica (this one included).
 */
export class NotificationHub implements StoreNotifications {
  readonly origin = `store-${randomBytes(6).toString('hex')}`;
  private readonly listeners = new Set<Listener>();

  constructor(readonly reachesOtherProcesses: boolean) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Calls every listener; one that throws is reported as a warning and does not stop the rest. */
  deliver(notification: StoreNotification): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(notification);
      } catch (error) {
        process.emitWarning(error instanceof Error ? error : new Error(String(error)), {
          code: 'CHAINRULE_NOTIFICATION_LISTENER',
        });
      }
    }
  }
}
