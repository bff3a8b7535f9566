import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { JobEvents } from '../queue/job-events.js';
import type { Store } from '../storage/store.js';

/** What the routes need from the running service, assembled by the app builder's caller. */
export interface ApiContext {
  readonly config: Config;
  readonly store: Store;
  readonly events: JobEvents;
  readonly logger: Logger;
  /** The local queue runner: woken after an enqueue, told about cancels. */
  readonly dispatcher: {
    wake(): void;
    cancel(jobId: string): void;
  };
  /** True while the training pool can take jobs, for /readyz. */
  isPoolUsable(): boolean;
  /** The training threads, for /metrics; absent where the app runs without a pool. */
  readonly workers?: { readonly size: number; busy(): number };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who owns what this request reads and creates; set by the tenancy hook. */
    tenant: string;
    /** Which configured API key the request presented (`key1`, …), for per-key rate limits. */
    apiKeyId: string;
  }
}
