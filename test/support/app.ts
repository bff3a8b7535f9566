import { buildApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { JobEvents } from '../../src/queue/job-events.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

export interface TestApp {
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  readonly store: SqliteStore;
  readonly config: Config;
  readonly events: JobEvents;
  /** Jobs the routes asked the dispatcher to wake for, and cancels they passed on. */
  readonly woken: number[];
  readonly cancelled: string[];
  close(): Promise<void>;
}

/**
 * The HTTP app over a fresh in-memory SQLite database with every migration applied, called
 * in-process through inject(). No worker pool: jobs stay queued unless a test trains them.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: { logger?: Logger; isPoolUsable?: () => boolean } = {},
): Promise<TestApp> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', ...env });
  const store = SqliteStore.open(':memory:');
  const events = new JobEvents();
  const woken: number[] = [];
  const cancelled: string[] = [];
  const app = await buildApp({
    config,
    store,
    events,
    logger: options.logger ?? createLogger('silent'),
    dispatcher: {
      wake: () => void woken.push(Date.now()),
      cancel: (id) => void cancelled.push(id),
    },
    isPoolUsable: options.isPoolUsable ?? (() => true),
  });
  await app.ready();
  return {
    app,
    store,
    config,
    events,
    woken,
    cancelled,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export const XOR = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};

export const XOR_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
};
