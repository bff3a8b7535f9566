import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerSentEventParser, type ServerSentEvent } from '../../dashboard/src/sse-parser.js';

/** The dashboard's Server-Sent Events parser, in Node: it must not need a DOM. */

const encoder = new TextEncoder();

/** A stream as the service writes it, plus a heartbeat and characters of 2, 3 and 4 UTF-8 bytes. */
const SERVICE_STREAM =
  'retry: 2000\n\n' +
  'event: status\ndata: {"id":"job_1","status":"running","note":"é √ 🙂"}\n\n' +
  'id: 1\nevent: epoch\ndata: {"epoch":1,"cost":0.71}\n\n' +
  ': heartbeat\n\n' +
  'id: 2\nevent: epoch\ndata: {"epoch":2,"cost":0.69}\n\n' +
  'event: status\ndata: {"id":"job_1","status":"succeeded"}\n\n' +
  'event: end\ndata: {"status":"succeeded","epoch":2}\n\n';

const SERVICE_EVENTS: ServerSentEvent[] = [
  { type: 'status', data: '{"id":"job_1","status":"running","note":"é √ 🙂"}', id: '' },
  { type: 'epoch', data: '{"epoch":1,"cost":0.71}', id: '1' },
  { type: 'epoch', data: '{"epoch":2,"cost":0.69}', id: '2' },
  // status and end carry no id: the last one stays in force, so a reconnect resumes after epoch 2
  { type: 'status', data: '{"id":"job_1","status":"succeeded"}', id: '2' },
  { type: 'end', data: '{"status":"succeeded","epoch":2}', id: '2' },
];

/** Feeds `bytes` cut at `cuts` (sorted offsets) and collects every event. */
function parseInChunks(bytes: Uint8Array, cuts: number[]): ServerSentEvent[] {
  const parser = new ServerSentEventParser();
  const events: ServerSentEvent[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return events;
}

function parse(text: string): ServerSentEvent[] {
  return new ServerSentEventParser().push(encoder.encode(text));
}

describe('ServerSentEventParser', () => {
  it("reads the service's stream: named events, ids, the retry delay, a heartbeat comment", () => {
    const parser = new ServerSentEventParser();

    expect(parser.push(encoder.encode(SERVICE_STREAM))).toEqual(SERVICE_EVENTS);
    expect(parser.retryMs).toBe(2000);
    expect(parser.lastEventId).toBe('2');
  });

  it('gives the same events however the bytes are cut in two, inside characters included', () => {
    const bytes = encoder.encode(SERVICE_STREAM);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parseInChunks(bytes, [cut]), `cut at byte ${cut}`).toEqual(SERVICE_EVENTS);
    }
  });

  it('gives the same events for any cutting into many chunks, down to one byte each', () => {
    const bytes = encoder.encode(SERVICE_STREAM);
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, index) => index + 1);
    expect(parseInChunks(bytes, everyByte)).toEqual(SERVICE_EVENTS);

    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }),
        (cuts) => {
          expect(
            parseInChunks(
              bytes,
              [...cuts].sort((a, b) => a - b),
            ),
          ).toEqual(SERVICE_EVENTS);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('joins multi-line data with LF, keeping empty lines and all but one leading space', () => {
    const events = parse('data: first\ndata:second\ndata\ndata:  indented\ndata: \n\n');

    expect(events).toEqual([{ type: 'message', data: 'first\nsecond\n\n indented\n', id: '' }]);
  });

  it('ends lines at CRLF, CR or LF, a CRLF cut between its two bytes included', () => {
    const text = 'event: a\r\ndata: 1\r\rdata: 2\n\nevent: b\rdata: 3\r\n\r\n';
    const expected = [
      { type: 'a', data: '1', id: '' },
      { type: 'message', data: '2', id: '' },
      { type: 'b', data: '3', id: '' },
    ];

    expect(parse(text)).toEqual(expected);
    const bytes = encoder.encode(text);
    for (let cut = 0; cut <= bytes.length; cut++)
      expect(parseInChunks(bytes, [cut])).toEqual(expected);
  });

  it('ignores comments, unknown fields and an empty line between events', () => {
    const events = parse(': hello\n:\nfoo: bar\n\n\nretry: soon\ndata: x\n: between\n\n');

    expect(events).toEqual([{ type: 'message', data: 'x', id: '' }]);
  });

  it('keeps the last id for later events; an id with NUL is ignored, an empty id clears it', () => {
    const parser = new ServerSentEventParser();

    const events = parser.push('id: 7\ndata: a\n\ndata: b\n\nid: 8\0x\ndata: c\n\nid\ndata: d\n\n');

    expect(events.map((event) => event.id)).toEqual(['7', '7', '7', '']);
    expect(parser.lastEventId).toBe('');
  });

  it('moves the last id without dispatching an event that has no data', () => {
    const parser = new ServerSentEventParser();

    expect(parser.push('id: 41\n\nevent: status\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('41');
    expect(parser.push('data: next\n\n')).toEqual([{ type: 'message', data: 'next', id: '41' }]);
  });

  it('takes a retry delay of digits only', () => {
    const parser = new ServerSentEventParser();

    parser.push('retry: 1500\n\nretry: 2s\n\nretry: -1\n\n');

    expect(parser.retryMs).toBe(1500);
  });

  it('drops a byte order mark at the start of the stream', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('data: after the mark\n\n')]);

    expect(parseInChunks(bytes, [1, 2])).toEqual([
      { type: 'message', data: 'after the mark', id: '' },
    ]);
  });

  it('discards an event cut by a drop, id included, so the reconnect asks for it again', () => {
    const parser = new ServerSentEventParser();

    expect(
      parser.push('id: 3\nevent: epoch\ndata: {"epoch":3}\n\nid: 4\nevent: epoch\ndata: {"ep'),
    ).toEqual([{ type: 'epoch', data: '{"epoch":3}', id: '3' }]);
    parser.reset();

    // The `id: 4` line of the cut event was read, but a reconnect must ask for epoch 4 again.
    expect(parser.lastEventId).toBe('3');
    expect(parser.push('id: 4\nevent: epoch\ndata: {"epoch":4}\n\n')).toEqual([
      { type: 'epoch', data: '{"epoch":4}', id: '4' },
    ]);
    expect(parser.lastEventId).toBe('4');
  });
});
