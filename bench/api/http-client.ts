import { Agent, request } from 'node:http';

/**
 * A small keep-alive HTTP client for `npm run bench:api` (node:http is lighter than fetch, so it
 * adds less to the figures), and a poll helper.
 */
export const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export type Json = any;

export function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (chunk) => {
            text += chunk;
          })
          .on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function pollUntil(read: () => Promise<boolean>, what: string): Promise<void> {
  for (let poll = 0; poll < 3000; poll++) {
    if (await read()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}
