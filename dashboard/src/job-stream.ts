import type { HistoryItem, Job } from './types.js';

export interface JobStreamHandlers {
  status(job: Job): void;
  epoch(item: HistoryItem): void;
  end(result: { status: string; epoch: number }): void;
  /** `connected` false while the browser reconnects (it resumes with Last-Event-ID). */
  connection(connected: boolean): void;
}

/**
 * Follows GET /v1/jobs/{id}/events with the browser's EventSource, which reconnects by itself
 * and sends Last-Event-ID, so a dropped connection costs no epoch and repeats none. The stream
 * is closed on `end`; otherwise EventSource would reconnect to a finished job.
 */
export function followJob(id: string, handlers: JobStreamHandlers): () => void {
  const source = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
  let lastEpoch = 0;

  source.addEventListener('open', () => handlers.connection(true));
  source.addEventListener('error', () => handlers.connection(source.readyState === EventSource.OPEN));
  source.addEventListener('status', (event) => handlers.status(JSON.parse((event as MessageEvent).data)));
  source.addEventListener('epoch', (event) => {
    const item = JSON.parse((event as MessageEvent).data) as HistoryItem;
    // The server sends each epoch once; this guard only protects the charts from a bug.
    if (item.epoch <= lastEpoch) return;
    lastEpoch = item.epoch;
    handlers.epoch(item);
  });
  source.addEventListener('end', (event) => {
    source.close();
    handlers.end(JSON.parse((event as MessageEvent).data));
  });

  return () => source.close();
}
