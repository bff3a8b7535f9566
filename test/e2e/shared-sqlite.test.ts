import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { httpClient, longJob, temporaryDataDir } from '../support/server.js';

const ROUNDS = 40;

describe('two service processes on one SQLite file', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(servers.map((server) => server.exited));
  });

  async function start(dataDir: string) {
    const server = spawnServer({ PORT: '0', DATA_DIR: dataDir, WORKERS: '1', LOG_LEVEL: 'info' });
    servers.push(server);
    const started = await server.waitForLog((line) => line.msg === 'chainrule started');
    return httpClient(started.url as string);
  }

  it('answer a poll with every write the other made before the poll was sent', async () => {
    const dataDir = temporaryDataDir();
    const [here, there] = [await start(dataDir), await start(dataDir)];
    const firstId = (await here.post('/v1/jobs', longJob())).body.id as string;

    // Other clients keep polling `here` meanwhile, so that polls share turns of its event loop
    // and its cached answers (the ones a stale change stamp would hand out).
    let polling = true;
    let watched = firstId;
    const pollers = Array.from({ length: 6 }, async () => {
      while (polling) await here.get(`/v1/jobs/${watched}`);
    });

    const stale: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const id =
        round === 0 ? firstId : ((await here.post('/v1/jobs', longJob())).body.id as string);
      watched = id;
      expect((await here.get(`/v1/jobs/${id}`)).body.cancelRequested).toBe(false);
      expect((await here.get(`/v1/jobs/${id}`)).body.cancelRequested).toBe(false);

      const cancel = await there.post(`/v1/jobs/${id}/cancel`);
      expect(cancel.status).toBe(200);
      const seen = (await here.get(`/v1/jobs/${id}`)).body;
      if (seen.status !== 'cancelled' && !seen.cancelRequested) stale.push(`round ${round}`);
    }
    polling = false;
    await Promise.all(pollers);

    expect(stale).toEqual([]);
  }, 120_000);
});
