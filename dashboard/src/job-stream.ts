import { ApiError, recoverFromUnauthorized, toApiError } from './api.js';
import { keyHeaders, storedKey } from './api-key.js';
import { openEventStream } from './sse-client.js';
import type { HistoryItem, Job } from './types.js';

export interface JobStreamHandlers {
  status(job: Job): void;
  epoch(item: HistoryItem): void;
  end(result: { status: string; epoch: number }): void;
  /** `connected` false while the stream reconnects (it resumes after the last epoch). */
  connection(connected: boolean): void;
  /** The stream stopped for good before its end: the job is gone, or no key was given. */
  failed(error: ApiError): void;
}

/**
 * Follows GET /v1/jobs/{id}/events with the fetch-based client, which sends the API key as a
 * header and, after a drop, reconnects with `Last-Event-ID` (the last epoch's id), so a
 * dropped connection costs no epoch and repeats none. It starts after epoch `after` (the
 * epochs before it are already drawn) and stops at `end`.
 */
export function followJob(id: string, handlers: JobStreamHandlers, after = 0): () => void {
  let lastEpoch = after;
  /** The key the newest connection attempt sent: a 401 is about that one. */
  let sentKey: string | null = null;

  const stream = openEventStream({
    url: `/v1/jobs/${encodeURIComponent(id)}/events${after > 0 ? `?after=${after}` : ''}`,
    headers: () => {
      sentKey = storedKey();
      return keyHeaders(sentKey);
    },
    onConnection: (connected) => handlers.connection(connected),
    onRefused: async (response) => {
      const error = response.ok
        ? new ApiError(
            response.status,
            null,
            'the events route answered something other than an event stream',
          )
        : await toApiError(response);
      if (error.status === 401 && (await recoverFromUnauthorized(error, sentKey))) return true;
      handlers.failed(error);
      return false;
    },
    onEvent: (event) => {
      const data: unknown = JSON.parse(event.data);
      if (event.type === 'status') {
        handlers.status(data as Job);
      } else if (event.type === 'epoch') {
        const item = data as HistoryItem;
        // The server sends each epoch once; this guard only protects the charts from a bug.
        if (item.epoch <= lastEpoch) return;
        lastEpoch = item.epoch;
        handlers.epoch(item);
      } else if (event.type === 'end') {
        stream.close();
        handlers.end(data as { status: string; epoch: number });
      }
    },
  });

  return () => stream.close();
}
