import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/**
 * A Server-Sent Events client over node:http that parses the stream as the WHATWG spec reads
 * it (fields, comments, blank-line dispatch) and keeps every event and comment, for tests.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the response or the connection closes. */
  readonly ended: Promise<void>;
  private buffer = '';
  private fields: { id?: string; event?: string; data: string[] } = { data: [] };
  private waiters: (() => void)[] = [];
  private isEnded = false;

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
    this.ended = new Promise((resolve) => {
      const finish = () => {
        this.isEnded = true;
        this.wake();
        resolve();
      };
      response.once('end', finish);
      response.once('close', finish);
      response.once('error', finish);
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        { headers: { accept: 'text/event-stream', ...headers } },
        (response) => {
          resolve(new SseClient(response));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
  }

  get statusCode(): number {
    return this.response.statusCode ?? 0;
  }

  get hasEnded(): boolean {
    return this.isEnded;
  }

  /** Epoch numbers of the `epoch` events received so far. */
  epochs(): number[] {
    return this.events.filter((event) => event.event === 'epoch').map((event) => Number(event.id));
  }

  /** Resolves once `predicate` holds; rejects if the stream ends first or time runs out. */
  async waitFor(predicate: (client: SseClient) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (this.isEnded) throw new Error(`the stream ended first (${this.events.length} events)`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${timeoutMs} ms (${this.events.length} events)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.response.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.buffer = this.buffer.slice(newline + width);
      this.line(line);
    }
    this.wake();
  }

  private line(line: string): void {
    if (line === '') {
      if (this.fields.data.length > 0 || this.fields.event) {
        this.events.push({
          id: this.fields.id,
          event: this.fields.event ?? 'message',
          data: this.fields.data.join('\n'),
        });
      }
      this.fields = { data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') this.fields.data.push(value);
    else if (name === 'event') this.fields.event = value;
    else if (name === 'id') this.fields.id = value;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
