import { ServerSentEventParser, type ServerSentEvent } from './sse-parser.js';

/**
 * A Server-Sent Events client over fetch, for what EventSource cannot do: send headers (an
 * `Authorization` key, which must not go in a URL, where proxies and servers log it). Like
 * EventSource it reconnects by itself with `Last-Event-ID`; unlike it, it backs off while the
 * server stays away, gives up on answers that waiting cannot fix, and replaces a connection
 * that has gone silent. It uses fetch, streams and timers only, so it runs in Node as well.
 */

export interface EventStreamOptions {
  readonly url: string;
  /** Headers of each connection attempt, read anew each time: the API key may have changed. */
  readonly headers?: () => Record<string, string>;
  readonly onEvent: (event: ServerSentEvent) => void;
  /** True once a connection is open; false when it is lost and another will be tried. */
  readonly onConnection?: (connected: boolean) => void;
  /**
   * An answer that waiting will not fix: a 4xx other than 408 and 429, or a 2xx that is not an
   * event stream. Resolve to true to connect again at once (after the user gave another API
   * key, say), to false to stop for good.
   */
  readonly onRefused?: (response: Response) => Promise<boolean>;
  /** The first reconnection delay, until the server sets one with `retry:`. */
  readonly initialRetryMs?: number;
  /** The longest delay the backoff grows to. */
  readonly maxRetryMs?: number;
  /**
   * A connection that brings no byte for this long is presumed dead (a sleeping laptop, a
   * dropped NAT entry) and replaced. The service sends a comment every 15 s.
   */
  readonly idleTimeoutMs?: number;
}

export interface EventStream {
  /** Stops for good: the connection is aborted and no reconnect follows. */
  close(): void;
  readonly isClosed: boolean;
}

const DEFAULTS = { initialRetryMs: 1000, maxRetryMs: 30_000, idleTimeoutMs: 45_000 };
/** The shortest first delay, whatever `retry:` says: `retry: 0` must not make a busy loop. */
const MIN_RETRY_MS = 100;

export function openEventStream(options: EventStreamOptions): EventStream {
  const { initialRetryMs, maxRetryMs, idleTimeoutMs } = { ...DEFAULTS, ...options };
  const parser = new ServerSentEventParser();
  let isClosed = false;
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Attempts in a row that brought no event: the exponent of the backoff. */
  let fruitlessAttempts = 0;

  async function connect(): Promise<void> {
    if (isClosed) return;
    const attempt = new AbortController();
    controller = attempt;
    // The watchdog covers the whole attempt: a server that accepts and never answers is as
    // dead as one that stops sending.
    let idleTimer = setTimeout(() => attempt.abort(), idleTimeoutMs);
    const stillAlive = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => attempt.abort(), idleTimeoutMs);
    };
    try {
      await runAttempt(attempt, stillAlive);
    } finally {
      clearTimeout(idleTimer);
    }
  }

  async function runAttempt(attempt: AbortController, stillAlive: () => void): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers?.() };
    if (parser.lastEventId !== '') headers['last-event-id'] = parser.lastEventId;

    let response: Response;
    try {
      response = await fetch(options.url, { headers, signal: attempt.signal });
    } catch {
      reconnectLater(); // unreachable server, or aborted by close() (then reconnectLater does nothing)
      return;
    }
    if (isClosed) {
      void response.body?.cancel().catch(() => undefined);
      return;
    }

    if (isTransient(response.status)) {
      void response.body?.cancel().catch(() => undefined);
      reconnectLater(retryAfterMs(response));
      return;
    }
    if (!response.ok || !response.body || !isEventStream(response)) {
      const again = await (options.onRefused?.(response) ?? Promise.resolve(false)).catch(
        () => false,
      );
      if (again && !isClosed) void connect();
      else close();
      return;
    }

    options.onConnection?.(true);
    await read(response.body, stillAlive);
    parser.reset();
    reconnectLater();
  }

  /** Dispatches the events of one response until its body ends, fails or is aborted. */
  async function read(body: ReadableStream<Uint8Array>, stillAlive: () => void): Promise<void> {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || isClosed) return;
        stillAlive();
        for (const event of parser.push(value)) {
          if (isClosed) return; // a handler closed the stream (on `end`): later events are moot
          fruitlessAttempts = 0;
          dispatch(event);
        }
      }
    } catch {
      // A dropped connection, the idle watchdog or close(): the caller decides what follows.
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }

  /** A handler's bug is reported, and neither drops the connection nor skips later events. */
  function dispatch(event: ServerSentEvent): void {
    try {
      options.onEvent(event);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }

  function reconnectLater(atLeastMs = 0): void {
    if (isClosed) return;
    options.onConnection?.(false);
    const base = Math.max(MIN_RETRY_MS, parser.retryMs ?? initialRetryMs);
    const backoff = Math.min(maxRetryMs, base * 2 ** fruitlessAttempts);
    fruitlessAttempts++;
    // Up to a quarter either way, so that the clients of a restarted server do not all return
    // in the same instant.
    const delay = Math.max(atLeastMs, backoff * (0.75 + Math.random() * 0.5));
    retryTimer = setTimeout(() => void connect(), delay);
  }

  function close(): void {
    if (isClosed) return;
    isClosed = true;
    clearTimeout(retryTimer);
    controller?.abort();
  }

  void connect();
  return {
    close,
    get isClosed() {
      return isClosed;
    },
  };
}

/** Answers worth waiting out: the server is busy, restarting or rate limiting. */
function isTransient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}
