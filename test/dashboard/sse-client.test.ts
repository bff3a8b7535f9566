import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openEventStream, type EventStream } from '../../dashboard/src/sse-client.js';
import type { ServerSentEvent } from '../../dashboard/src/sse-parser.js';

/**
 * The dashboard's fetch-based event stream client, in Node, against a scripted HTTP server
 * that drops, refuses and stalls connections on cue.
 */

/** How one incoming request is answered; scripts are used in order, one per request. */
type Script = (request: IncomingMessage, response: ServerResponse) => void;

interface ScriptedServer {
  readonly url: string;
  /** The headers of every request, in order. */
  readonly requests: IncomingMessage['headers'][];
  /** Resolves when the response to request `index` has closed, by either side. */
  closed(index: number): Promise<void>;
}

let server: Server | undefined;
let stream: EventStream | undefined;
afterEach(async () => {
  stream?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function scriptedServer(...scripts: Script[]): Promise<ScriptedServer> {
  const requests: IncomingMessage['headers'][] = [];
  const closings: Promise<void>[] = [];
  server = createServer((request, response) => {
    const index = requests.length;
    requests.push(request.headers);
    closings[index] = new Promise((resolve) => response.on('close', resolve));
    const script = scripts[index];
    if (script) script(request, response);
    else response.writeHead(500).end('no script for this request');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/jobs/job_1/events`,
    requests,
    closed: async (index) => {
      await vi.waitFor(() => expect(closings[index]).toBeDefined());
      await closings[index];
    },
  };
}

function epoch(n: number): string {
  return `id: ${n}\nevent: epoch\ndata: {"epoch":${n}}\n\n`;
}

const END = 'event: end\ndata: {"status":"succeeded","epoch":5}\n\n';

function openStream(url: string, overrides: Partial<Parameters<typeof openEventStream>[0]> = {}) {
  const events: ServerSentEvent[] = [];
  const connections: boolean[] = [];
  stream = openEventStream({
    url,
    headers: () => ({ authorization: 'Bearer alpha-key-0123456789abcdef' }),
    onConnection: (connected) => connections.push(connected),
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'end') stream!.close();
    },
    initialRetryMs: 10,
    ...overrides,
  });
  const epochs = () =>
    events.filter((event) => event.type === 'epoch').map((event) => Number(event.id));
  return { stream, events, connections, epochs };
}

function eventStreamHead(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
}

describe('openEventStream', () => {
  it('reconnects with Last-Event-ID and the header, waits out a 503, stops at end', async () => {
    const server = await scriptedServer(
      (_request, response) => {
        eventStreamHead(response);
        // Epoch 4 is cut in the middle of its frame: it must come again, whole, after the drop.
        const cutFrame = 'id: 4\nevent: epoch\ndata: {"ep';
        response.write(
          `retry: 10\n\n${epoch(1)}${epoch(2)}: heartbeat\n\n${epoch(3)}${cutFrame}`,
          () => setTimeout(() => response.socket?.destroy(), 20),
        );
      },
      (_request, response) =>
        response.writeHead(503, { 'content-type': 'application/problem+json' }).end('{}'),
      (_request, response) => {
        eventStreamHead(response);
        // No end of the response after `end`: the client must close the stream itself.
        response.write(`${epoch(4)}${epoch(5)}${END}`);
      },
    );

    const { events, connections, epochs } = openStream(server.url);
    await vi.waitFor(() => expect(stream!.isClosed).toBe(true), { timeout: 10_000 });
    await server.closed(2);

    expect(epochs()).toEqual([1, 2, 3, 4, 5]);
    expect(events.at(-1)).toMatchObject({ type: 'end', id: '5' });
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((headers) => headers['last-event-id'])).toEqual([
      undefined,
      '3',
      '3',
    ]);
    expect(
      server.requests.every(
        (headers) => headers.authorization === 'Bearer alpha-key-0123456789abcdef',
      ),
    ).toBe(true);
    expect(server.requests[0].accept).toBe('text/event-stream');
    expect(connections).toEqual([true, false, false, true]);
  });

  it('gives up on an answer that waiting cannot fix, without trying again', async () => {
    const server = await scriptedServer((_request, response) =>
      response
        .writeHead(404, { 'content-type': 'application/problem+json' })
        .end('{"detail":"job job_1 not found"}'),
    );
    const refusals: { status: number; detail: unknown }[] = [];

    openStream(server.url, {
      onRefused: async (response) => {
        const { detail } = (await response.json()) as { detail: unknown };
        refusals.push({ status: response.status, detail });
        return false;
      },
    });
    await vi.waitFor(() => expect(stream!.isClosed).toBe(true));

    expect(refusals).toEqual([{ status: 404, detail: 'job job_1 not found' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('connects again at once after a 401, with the key given meanwhile', async () => {
    const server = await scriptedServer(
      (_request, response) => response.writeHead(401, { 'www-authenticate': 'Bearer' }).end(),
      (_request, response) => {
        eventStreamHead(response);
        response.end(`${epoch(1)}${END}`);
      },
    );
    let key = 'wrong-key-0000000000000000';

    const { epochs } = openStream(server.url, {
      headers: () => ({ authorization: `Bearer ${key}` }),
      onRefused: async (response) => {
        if (response.status !== 401) return false;
        key = 'beta-key-fedcba9876543210';
        return true;
      },
    });
    await vi.waitFor(() => expect(stream!.isClosed).toBe(true));

    expect(epochs()).toEqual([1]);
    expect(server.requests.map((headers) => headers.authorization)).toEqual([
      'Bearer wrong-key-0000000000000000',
      'Bearer beta-key-fedcba9876543210',
    ]);
  });

  it('replaces a connection that has gone silent, resuming after the last epoch', async () => {
    const server = await scriptedServer(
      (_request, response) => {
        eventStreamHead(response);
        response.write(`retry: 10\n\n${epoch(1)}`); // then nothing, not even a heartbeat
      },
      (_request, response) => {
        eventStreamHead(response);
        response.end(`${epoch(2)}${END}`);
      },
    );

    const { epochs } = openStream(server.url, { idleTimeoutMs: 300 });
    await vi.waitFor(() => expect(stream!.isClosed).toBe(true), { timeout: 10_000 });
    await server.closed(0); // the client hung up the silent connection

    expect(epochs()).toEqual([1, 2]);
    expect(server.requests.map((headers) => headers['last-event-id'])).toEqual([undefined, '1']);
  });
});
