import pg from 'pg';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { NotificationHub } from '../notification-hub.js';
import type { StoreNotification } from '../store.js';
import { connectionConfig, NOTIFY_CHANNEL, type PostgresOptions } from './database.js';

const NOTIFICATION_TYPES = new Set(['runnable', 'cancel', 'epochs', 'status']);
const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;
/** How often an otherwise silent connection proves it is alive. */
const PROBE_MS = 15_000;

/**
 * The one connection per process that LISTENs for every replica's notifications and hands them
 * to the hub. When it breaks (the server restarted, the network dropped) it reconnects by
 * itself, backing off up to 5 s, and then delivers a `resync`: whatever was published while it
 * was away is lost, so listeners re-read the state they follow.
 */
export class PostgresListener {
  private client: pg.Client | null = null;
  private connected = false;
  private everConnected = false;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly probeTimer: NodeJS.Timeout;

  constructor(
    private readonly options: PostgresOptions,
    private readonly hub: NotificationHub,
    private readonly logger: Logger,
  ) {
    this.probeTimer = setInterval(() => void this.probe(), PROBE_MS).unref();
  }

  /** Connects once; on failure keeps retrying in the background instead of failing the start. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** True while notifications from other replicas can arrive. */
  get isListening(): boolean {
    return this.connected;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.closed) return;
    const client = new pg.Client({ ...connectionConfig(this.options), query_timeout: 5000 });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === NOTIFY_CHANNEL && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error('the LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      this.lose(client, toError(error));
      return;
    }
    if (this.client !== client) return;

    this.connected = true;
    this.retryMs = FIRST_RETRY_MS;
    if (this.everConnected) {
      this.logger.info('PostgreSQL notification listener reconnected');
      this.hub.deliver({ type: 'resync', origin: this.hub.origin });
    }
    this.everConnected = true;
  }

  private lose(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    if (this.connected || this.retryMs === FIRST_RETRY_MS) {
      this.logger.warn(
        { err: error },
        'PostgreSQL notification listener disconnected; reconnecting',
      );
    }
    this.connected = false;
    // A broken client may still emit errors: keep a listener so none of them is unhandled.
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs).unref();
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
  }

  /** A connection cut without a word (no FIN, no RST) shows up as a probe that fails. */
  private async probe(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    try {
      await client.query('SELECT 1');
    } catch (error) {
      this.lose(client, toError(error));
    }
  }

  private receive(payload: string): void {
    let notification: StoreNotification;
    try {
      notification = JSON.parse(payload) as StoreNotification;
    } catch {
      this.logger.warn({ length: payload.length }, 'ignored a malformed notification');
      return;
    }
    if (!NOTIFICATION_TYPES.has(notification?.type)) {
      this.logger.warn(
        { type: String(notification?.type) },
        'ignored a notification of unknown type',
      );
      return;
    }
    this.hub.deliver(notification);
  }
}
