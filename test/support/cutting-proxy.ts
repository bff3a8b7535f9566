import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttingProxy {
  /** The proxy's origin, standing in for the service's. */
  readonly url: string;
  /** The `Last-Event-ID` of each event stream request that passed, in order; null without one. */
  readonly lastEventIds: (string | null)[];
  /** Drops the event stream connections, as a network failure would; answers how many. */
  cutStreams(): number;
  close(): Promise<void>;
}

const EVENTS_REQUEST = /^GET \S+\/events[ ?]/m;

/**
 * A TCP proxy to the service that drops the connections of event streams (`GET …/events`) on
 * cue, in the middle of a stream. Everything else passes untouched.
 */
export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const lastEventIds: (string | null)[] = [];
  const sockets = new Set<Socket>();
  /** Client connections that carried an event stream request, with their upstream. */
  const streams = new Map<Socket, Socket>();

  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1');
      if (EVENTS_REQUEST.test(head)) {
        lastEventIds.push(/^last-event-id: *(\S+)/im.exec(head)?.[1] ?? null);
        streams.set(client, upstream);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => {
      upstream.destroy();
      streams.delete(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lastEventIds,
    cutStreams() {
      const count = streams.size;
      for (const [client, upstream] of streams) {
        upstream.destroy();
        client.destroy();
      }
      streams.clear();
      return count;
    },
    // Kept-alive connections would hold close() until the service's keep-alive timeout.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
