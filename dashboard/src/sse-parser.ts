/**
 * A parser of the Server-Sent Events format (`text/event-stream`) as the WHATWG HTML standard
 * reads it: bytes in, dispatched events out. It holds no I/O and touches no DOM, so the
 * browser's stream client and the Node tests use the same code.
 */

/** One dispatched event. `id` is the last event id in force when it was dispatched. */
export interface ServerSentEvent {
  readonly type: string;
  readonly data: string;
  readonly id: string;
}

const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;

/**
 * Feed it the body's chunks as they arrive, cut anywhere (inside a line, a CRLF pair or a
 * multi-byte character); it returns the events each chunk completes. The last event id and
 * the `retry:` delay outlive a connection: a client carries them over to the next one.
 */
export class ServerSentEventParser {
  /**
   * The id a reconnect resumes after (`Last-Event-ID`): the id in force when the last complete
   * event was dispatched; '' before the server has set one.
   */
  lastEventId: string;
  /** The reconnection delay the server asked for with `retry:`, in milliseconds. */
  retryMs: number | null = null;

  // UTF-8 only, as the format requires; `stream: true` keeps a character split across chunks
  // whole, and the decoder drops a leading byte order mark as the format says to.
  private decoder = new TextDecoder('utf-8');
  /** The start of a line whose end has not arrived yet. */
  private partialLine = '';
  /** The previous chunk ended in CR: a LF opening this one belongs to that CRLF pair. */
  private skipLeadingLineFeed = false;
  private eventType = '';
  private data = '';
  /** The id set by `id:` lines; it becomes `lastEventId` only when an event is complete. */
  private idBuffer: string;

  constructor(lastEventId = '') {
    this.lastEventId = lastEventId;
    this.idBuffer = lastEventId;
  }

  /** Parses one chunk of the body; answers the events it completed, in order. */
  push(chunk: Uint8Array | string): ServerSentEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const events: ServerSentEvent[] = [];
    if (text.length === 0) return events;

    let start = 0;
    if (this.skipLeadingLineFeed && text.charCodeAt(0) === LINE_FEED) start = 1;
    this.skipLeadingLineFeed = false;

    for (let index = start; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code !== LINE_FEED && code !== CARRIAGE_RETURN) continue;

      const line = this.partialLine + text.slice(start, index);
      this.partialLine = '';
      this.processLine(line, events);

      if (code === CARRIAGE_RETURN) {
        if (index + 1 === text.length) this.skipLeadingLineFeed = true;
        else if (text.charCodeAt(index + 1) === LINE_FEED) index++;
      }
      start = index + 1;
    }
    this.partialLine += text.slice(start);
    return events;
  }

  /**
   * The body ended (or the connection dropped). An event whose blank line never came is
   * discarded, as the standard says, and so is its `id:`: the reconnect resumes after the last
   * complete event, so the cut one is sent again rather than skipped.
   */
  reset(): void {
    this.decoder = new TextDecoder('utf-8');
    this.partialLine = '';
    this.skipLeadingLineFeed = false;
    this.eventType = '';
    this.data = '';
    this.idBuffer = this.lastEventId;
  }

  private processLine(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // ':' starts a comment, such as a heartbeat

    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);

    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data += `${value}\n`;
        break;
      case 'id':
        // An id holding NUL is ignored whole: it could not be sent back in a header.
        if (!value.includes('\0')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(events: ServerSentEvent[]): void {
    // An event without data (an id alone, or a name alone) moves the id but dispatches nothing.
    this.lastEventId = this.idBuffer;
    const { data, eventType } = this;
    this.data = '';
    this.eventType = '';
    if (data === '') return;
    events.push({ type: eventType || 'message', data: data.slice(0, -1), id: this.lastEventId });
  }
}
