import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobEvents } from '../queue/job-events.js';
import { isTerminal, JOB_STATUSES, type HistoryItem, type JobRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { getProcessRegistry } from './process-metrics.js';
import { RequestDurations } from './request-durations.js';

/** What the metrics read when Prometheus scrapes. */
export interface MetricsSources {
  readonly store: Store;
  readonly events: JobEvents;
  /** The training threads; absent when the app runs without a pool (in-process tests). */
  readonly workers?: { readonly size: number; busy(): number };
  /** Open event streams. */
  readonly eventStreams?: () => number;
}

/**
 * The service's Prometheus metrics, in a registry of this app instance (never prom-client's
 * global one, so that many apps can live in one process). Counts that the database knows
 * (jobs per status, queue depth) are read at scrape time; what happens in this process
 * (epochs trained, jobs finished, requests served) is counted as it happens.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly epochsTrained: Counter;
  private readonly jobDuration: Histogram<'status'>;
  private readonly requestDurations: RequestDurations;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const { store } = sources;

    new Gauge({
      name: 'chainrule_jobs',
      help: 'Jobs in the database per status, all tenants.',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await store.jobs.countByStatus();
        for (const status of JOB_STATUSES) this.set({ status }, counts[status]);
      },
    });
    new Gauge({
      name: 'chainrule_queue_depth',
      help: 'Jobs waiting to be claimed.',
      registers,
      async collect() {
        this.set(await store.jobs.countWaiting());
      },
    });
    if (sources.workers) {
      const { workers } = sources;
      new Gauge({
        name: 'chainrule_workers',
        help: 'Training threads of this process, busy or idle.',
        labelNames: ['state'],
        registers,
        collect() {
          const busy = workers.busy();
          this.set({ state: 'busy' }, busy);
          this.set({ state: 'idle' }, Math.max(0, workers.size - busy));
        },
      });
    }
    if (sources.eventStreams) {
      const count = sources.eventStreams;
      new Gauge({
        name: 'chainrule_event_streams',
        help: 'Open job event streams (GET /v1/jobs/{id}/events).',
        registers,
        collect() {
          this.set(count());
        },
      });
    }

    this.epochsTrained = new Counter({
      name: 'chainrule_epochs_trained_total',
      help: 'Epochs trained by this process; an epoch trained again after a crash counts again.',
      registers,
    });
    this.jobDuration = new Histogram({
      name: 'chainrule_job_duration_seconds',
      help: 'From first start to end, of jobs that ended in this process, by final status.',
      labelNames: ['status'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
      registers,
    });
    this.requestDurations = new RequestDurations(
      'chainrule_http_request_duration_seconds',
      'HTTP requests by method, route pattern and status code (event streams: their whole life).',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      this.registry,
    );

    sources.events.on('epochs', this.onEpochs);
    sources.events.on('status', this.onStatus);
  }

  /** `route` is the route pattern (`/v1/jobs/:id`), never the raw URL: ids must not be labels. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDurations.observe(method, route, statusCode, seconds);
  }

  /** The exposition text: this app's metrics, then the process's. */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    const process = await getProcessRegistry().metrics();
    return `${own.trimEnd()}\n${process.trimEnd()}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops listening to job events (the app is closing). */
  close(): void {
    this.sources.events.off('epochs', this.onEpochs);
    this.sources.events.off('status', this.onStatus);
  }

  private readonly onEpochs = (_jobId: string, items: readonly HistoryItem[]): void => {
    this.epochsTrained.inc(items.length);
  };

  private readonly onStatus = (job: JobRecord): void => {
    if (!isTerminal(job.status) || !job.startedAt || !job.finishedAt) return;
    const seconds = (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
    if (Number.isFinite(seconds) && seconds >= 0)
      this.jobDuration.observe({ status: job.status }, seconds);
  };
}
