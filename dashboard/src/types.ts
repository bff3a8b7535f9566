/**
 * The parts of the API's responses the dashboard reads, as openapi/openapi.json describes
 * them (schemas Job, HistoryItem, Model, Dataset, Problem).
 */

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  readonly id: string;
  readonly status: JobStatus;
  readonly cancelRequested: boolean;
  readonly progress: { readonly epoch: number; readonly epochs: number };
  readonly cost: number | null;
  readonly validationCost: number | null;
  readonly bestEpoch: number | null;
  readonly stopReason: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly attempts: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly network: {
    readonly inputSize: number;
    readonly layers: readonly { readonly units: number; readonly activation: string }[];
    readonly loss: string;
    readonly parameterCount: number;
  };
  readonly datasetId: string;
  readonly training: {
    readonly epochs: number;
    readonly optimizer: { readonly type: string; readonly learningRate?: number };
    readonly validationSplit: number;
  };
}

export interface HistoryItem {
  readonly epoch: number;
  readonly cost: number;
  readonly validationCost?: number;
  readonly accuracy?: number;
  readonly validationAccuracy?: number;
  readonly gradientNorms: readonly number[];
  readonly elapsedMs: number;
}

export interface Model {
  readonly epoch: number;
  readonly cost: number | null;
  readonly layers: readonly {
    readonly W: readonly (readonly number[])[];
    readonly b: readonly number[];
    readonly activation: string;
  }[];
}

export interface Dataset {
  readonly id: string;
  readonly rows: number;
  readonly inputSize: number;
  readonly targetSize: number;
}

export interface Problem {
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly { readonly path: string; readonly message: string }[];
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/**
 * Orders the states of one job, as the server's event streams do (statusVersion in
 * src/api/events/job-feed.ts): each claim raises `attempts`; within an attempt a job runs, may
 * be flagged for cancel, then ends or goes back to the queue. Answers arrive out of order (a
 * cancel's answer can come after the stream said `cancelled`): only a state at least as new
 * as the one shown may replace it.
 */
export function statusVersion(job: Job): number {
  const phase = job.status === 'running' ? 0 : job.status === 'queued' ? 1 : 2;
  return job.attempts * 8 + phase * 2 + (job.cancelRequested ? 1 : 0);
}
