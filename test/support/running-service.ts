import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { JobRecord } from '../../src/storage/records.js';
import { startService, type Service, type ServiceOptions } from '../../src/service.js';

export interface RunningService {
  readonly service: Service;
  readonly url: string;
  readonly dataDir: string;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  waitForJob(id: string, done?: (job: any) => boolean, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

/**
 * The real service in this process: a SQLite file in a temp DATA_DIR, real piscina threads, a
 * real port on 127.0.0.1. `stop()` shuts it down gracefully and removes the folder unless
 * `keepData` asks to reuse it.
 */
export async function startRunningService(
  env: Record<string, string> = {},
  options: Partial<ServiceOptions> & { dataDir?: string } = {},
): Promise<RunningService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chainrule-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    WORKERS: '2',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await startService(config, { logger: createLogger(config.logLevel), ...options });
  const url = service.url;

  async function request(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  return {
    service,
    url,
    dataDir,
    request,
    async waitForJob(
      id,
      done = (job: JobRecord) => ['succeeded', 'failed', 'cancelled'].includes(job.status),
      timeoutMs = 60_000,
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await request('GET', `/v1/jobs/${id}`);
        if (done(body)) return body;
        if (Date.now() > deadline)
          throw new Error(`job ${id} still ${body.status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      await service.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every history item of a job, following nextAfter until the end. */
export async function fetchHistory(
  running: Pick<RunningService, 'request'>,
  id: string,
): Promise<any[]> {
  const items: any[] = [];
  let after = 0;
  for (;;) {
    const { body } = await running.request(
      'GET',
      `/v1/jobs/${id}/history?after=${after}&limit=500`,
    );
    items.push(...body.items);
    if (body.nextAfter === null || body.items.length === 0) return items;
    after = body.nextAfter;
  }
}
