import type { HistoryItem } from '../../storage/records.js';

/**
 * Server-Sent Events framing (the WHATWG "text/event-stream" format). Data is one line of JSON:
 * JSON.stringify never emits a raw newline, so no payload can break a frame apart.
 */

/** An `epoch` event; its id is the epoch number, which is what `Last-Event-ID` resumes after. */
export function epochFrame(item: HistoryItem): string {
  return `id: ${item.epoch}\nevent: epoch\ndata: ${JSON.stringify(item)}\n\n`;
}

/**
 * A `status` or `end` event. These carry no id on purpose: a frame without one leaves the
 * client's last event id unchanged, so a reconnect still resumes after the last epoch.
 */
export function namedFrame(event: 'status' | 'end', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** How long a browser's EventSource waits before it reconnects. */
export function retryFrame(ms: number): string {
  return `retry: ${ms}\n\n`;
}

/** A comment line: ignored by clients, it keeps proxies and idle timers from closing the stream. */
export const HEARTBEAT_FRAME = ': heartbeat\n\n';
