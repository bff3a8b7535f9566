import { EventEmitter } from 'node:events';
import type { HistoryItem, JobRecord } from '../storage/records.js';

export interface JobEventMap {
  /** Epoch reports of a running job, in order, as soon as the main thread has them. */
  epochs: [jobId: string, items: readonly HistoryItem[]];
  /**
   * Epoch reports through `epoch` are now in the history table. 'epochs' fires before the batch
   * is written; a reader that joins between the two learns here when the database has caught up.
   */
  recorded: [jobId: string, epoch: number];
  /** A job changed status (claimed, requeued, finished, cancelled). */
  status: [job: JobRecord];
}

/**
 * In-process notifications of job progress: the event stream and metrics listen here instead
 * of polling the database. Listeners must be cheap; many event-stream clients share one emitter.
 */
export class JobEvents extends EventEmitter<JobEventMap> {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}
