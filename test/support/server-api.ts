import type { ServerProcess } from './server-process.js';

/** Sends a JSON request to a spawned server and returns its parsed JSON answer. */
export async function api(
  server: Pick<ServerProcess, 'url'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return response.json();
}

/** Polls `check` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every epoch number of a job's history, following nextAfter until the end. */
export async function historyEpochs(
  server: Pick<ServerProcess, 'url'>,
  id: string,
): Promise<number[]> {
  const epochs: number[] = [];
  let after = 0;
  for (;;) {
    const page = await api(server, 'GET', `/v1/jobs/${id}/history?after=${after}&limit=500`);
    epochs.push(...page.items.map((item: { epoch: number }) => item.epoch));
    if (page.nextAfter === null) return epochs;
    after = page.nextAfter;
  }
}
