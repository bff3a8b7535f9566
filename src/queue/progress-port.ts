import type { MessagePort } from 'node:worker_threads';

/**
 * The main thread's end of a job's progress channel: hands each message to `onMessage` and
 * counts them, so that the end of the attempt can wait until everything the worker sent is in.
 */
export class ProgressPort {
  private count = 0;
  private isClosed = false;
  private waiter: { count: number; resolve: () => void } | null = null;
  /** Settles once the worker's side is gone (it closes the port as it returns, or it died). */
  readonly closed: Promise<void>;

  constructor(
    private readonly port: MessagePort,
    onMessage: (message: unknown) => void,
  ) {
    port.on('message', (message: unknown) => {
      this.count++;
      onMessage(message);
      this.settle();
    });
    this.closed = new Promise((resolve) =>
      port.on('close', () => {
        this.isClosed = true;
        this.settle();
        resolve();
      }),
    );
  }

  /** Settles once `count` messages have arrived (or the port closed: nothing more can). */
  received(count: number): Promise<void> {
    if (this.count >= count || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { count, resolve };
    });
  }

  /** Settles once the worker's side is gone, or after `ms` (a port the worker never closed). */
  closedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.port.close();
  }

  private settle(): void {
    if (this.waiter && (this.count >= this.waiter.count || this.isClosed)) {
      this.waiter.resolve();
      this.waiter = null;
    }
  }
}
