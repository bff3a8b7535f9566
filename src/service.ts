import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { Dispatcher } from './queue/dispatcher.js';
import { JobEvents } from './queue/job-events.js';
import { currentOwner } from './queue/owner.js';
import { recoverOrphanedJobs } from './queue/recovery.js';
import { RemoteJobEvents } from './queue/remote-job-events.js';
import { createWorkerPool, defaultWorkerFile } from './queue/worker-pool.js';
import { openStore } from './storage/open-store.js';
import type { Store } from './storage/store.js';

const IDEMPOTENCY_KEEP_MS = 24 * 60 * 60 * 1000;

export interface Service {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly dispatcher: Dispatcher;
  readonly store: Store;
  /** In-process notifications of job progress and status changes. */
  readonly events: JobEvents;
  /** Graceful stop: no new requests, running jobs checkpoint and requeue, database closed. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  readonly logger: Logger;
  /** A different worker entry point (tests use one that crashes). */
  readonly workerFile?: { filename: string; execArgv: string[] };
}

/**
 * Starts everything in order: store (migrations applied), the worker pool, the app, recovery of
 * jobs a dead process left running, the HTTP server and the dispatcher.
 */
export async function startService(config: Config, options: ServiceOptions): Promise<Service> {
  const { logger } = options;
  const store = await openStore(config, logger);
  const events = new JobEvents();
  const owner = currentOwner();

  const pool = createWorkerPool(
    config.workers,
    options.workerFile ?? defaultWorkerFile(),
    config.workerHeapMb,
  );
  const dispatcher = new Dispatcher({
    store,
    pool,
    events,
    logger,
    owner,
    leaseMs: config.leaseMs,
    maxAttempts: config.maxAttempts,
    checkpointEveryEpochs: config.checkpointEveryEpochs,
    checkpointEveryMs: config.checkpointEveryMs,
  });

  const app = await buildApp({
    config,
    store,
    events,
    logger,
    dispatcher,
    isPoolUsable: () => pool.isUsable(),
    workers: pool,
  });
  // After the app is built, so that its listeners (the metrics) hear of the recovered jobs; before
  // the dispatcher starts, so that it finds them back in the queue.
  try {
    await recoverOrphanedJobs(store, owner, {
      now: Date.now(),
      maxAttempts: config.maxAttempts,
      logger,
      events,
    });
  } catch (error) {
    await app.close();
    await pool.destroy();
    await store.close();
    throw error;
  }
  // Runs once Fastify refuses new requests (503 on open connections, then no new connections).
  app.addHook('preClose', async () => logger.info('no longer accepting requests'));
  const url = await app.listen({ port: config.port, host: config.host });
  dispatcher.start();
  const remoteEvents = new RemoteJobEvents(store, events, logger);
  remoteEvents.start();
  const pruner = setInterval(
    () => {
      void store.idempotency
        .prune(new Date(Date.now() - IDEMPOTENCY_KEEP_MS).toISOString())
        .catch(() => undefined);
    },
    60 * 60 * 1000,
  ).unref();
  logger.info(
    { url, workers: config.workers, database: store.kind, owner: owner.id },
    'chainrule started',
  );
  if (config.apiKeys.length === 0) {
    logger.warn(
      { host: config.host },
      'no API keys configured (API_KEYS): ' +
        'the API is open to every client that can reach this address',
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    dispatcher,
    store,
    events,
    stop() {
      stopping ??= (async () => {
        clearInterval(pruner);
        const closing = app.close();
        await dispatcher.shutdown(config.shutdownTimeoutMs);
        await closing;
        await remoteEvents.stop();
        await pool.destroy();
        await store.close();
        logger.info('chainrule stopped');
      })();
      return stopping;
    },
  };
}
