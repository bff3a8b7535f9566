import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../support/server-process.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';
import { api } from '../support/server-api.js';

const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-sigterm-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const data = syntheticDataset(200, 6, 3, 31);
const job = (seed: number) => ({
  network: {
    inputSize: 6,
    layers: [
      { units: 32, activation: 'relu' },
      { units: 3, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy',
  },
  dataset: data,
  training: { epochs: 4000, batchSize: 20, optimizer: { type: 'adam' }, seed },
});

describe('SIGTERM', () => {
  it('requeues running jobs at a checkpoint and exits 0; the next start resumes them', async () => {
    const env = { DATA_DIR: dataDir, WORKERS: '2', SHUTDOWN_TIMEOUT_SECONDS: '10' };
    let server = await spawnServer(env);
    const ids: string[] = [];
    for (const seed of [1, 2, 3]) ids.push((await api(server, 'POST', '/v1/jobs', job(seed))).id);

    for (;;) {
      const jobs = await Promise.all(ids.map((id) => api(server, 'GET', `/v1/jobs/${id}`)));
      if (jobs.filter((one) => one.status === 'running' && one.progress.epoch > 50).length === 2)
        break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Bounded: well inside the configured 10 s (each worker stops at its next step).
    expect(Date.now() - signalledAt).toBeLessThan(10_000);

    const db = new Database(join(dataDir, 'chainrule.db'), { readonly: true });
    const rows = db
      .prepare(
        `SELECT j.id, j.status, j.failures, j.epoch, c.epoch AS checkpoint
      FROM jobs j LEFT JOIN job_checkpoints c ON c.job_id = j.id`,
      )
      .all() as any[];
    db.close();
    expect(rows.map((row) => row.status)).toEqual(['queued', 'queued', 'queued']);
    expect(rows.every((row) => row.failures === 0)).toBe(true);
    const suspended = rows.filter((row) => row.checkpoint !== null);
    expect(suspended).toHaveLength(2);
    // Suspended at an epoch boundary: the checkpoint is the last epoch written.
    for (const row of suspended) expect(row.checkpoint).toBe(row.epoch);

    server = await spawnServer(env);
    for (const id of ids) {
      let finished: any;
      do {
        finished = await api(server, 'GET', `/v1/jobs/${id}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } while (!['succeeded', 'failed', 'cancelled'].includes(finished.status));
      expect(finished).toMatchObject({ status: 'succeeded', progress: { epoch: 4000 } });
      const model = await api(server, 'GET', `/v1/jobs/${id}/model`);
      expect(model.layers.map(({ W, b }: any) => ({ W, b }))).toEqual(
        trainDirectly(finished.network, data, finished.training),
      );
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 180_000);
});
