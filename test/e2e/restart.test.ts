import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import {
  XOR_2_10_1,
  XOR_DATASET,
  httpClient,
  longJob,
  pollUntil,
  readWholeHistory,
  startRealService,
  temporaryDataDir,
  type HttpClient,
} from '../support/server.js';

const dataDir = temporaryDataDir();
let service: Service | undefined;

afterAll(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function waitForStatus(api: HttpClient, jobId: string, statuses: string[]) {
  return pollUntil(
    async () => (await api.get(`/v1/jobs/${jobId}`)).body,
    (job) => statuses.includes(job.status),
    `job ${jobId} to be ${statuses.join(' or ')}`,
  );
}

/** Everything a client can read about the stored resources, as the API answers it. */
async function snapshot(
  api: HttpClient,
  ids: { dataset: string; network: string; jobs: string[] },
) {
  const jobs = [];
  for (const id of ids.jobs) {
    jobs.push({
      job: (await api.get(`/v1/jobs/${id}`)).body,
      history: await readWholeHistory(api, id),
      model: (await api.get(`/v1/jobs/${id}/model`)).body,
    });
  }
  return {
    dataset: (await api.get(`/v1/datasets/${ids.dataset}`)).body,
    datasets: (await api.get('/v1/datasets')).body,
    network: (await api.get(`/v1/networks/${ids.network}`)).body,
    jobList: (await api.get('/v1/jobs')).body,
    jobs,
  };
}

describe('a restart on the same DATA_DIR', () => {
  it('keeps datasets, networks, jobs, histories and models', async () => {
    service = await startRealService(dataDir);
    let api = httpClient(service.url);
    const dataset = (await api.post('/v1/datasets', XOR_DATASET)).body.id;
    const network = (await api.post('/v1/networks', XOR_2_10_1)).body.id;
    const finished = (
      await api.post('/v1/jobs', {
        network: { id: network },
        dataset: { id: dataset },
        training: { epochs: 500, optimizer: { type: 'sgd', learningRate: 1 }, seed: 4 },
      })
    ).body.id;
    const cancelled = (await api.post('/v1/jobs', longJob())).body.id;
    await waitForStatus(api, finished, ['succeeded']);
    await pollUntil(
      async () => (await api.get(`/v1/jobs/${cancelled}`)).body.progress.epoch,
      (epoch) => epoch > 0,
      'the long job to report an epoch',
    );
    await api.post(`/v1/jobs/${cancelled}/cancel`);
    await waitForStatus(api, cancelled, ['cancelled']);
    const ids = { dataset, network, jobs: [finished, cancelled] };
    const before = await snapshot(api, ids);
    await service.stop();

    service = await startRealService(dataDir);
    api = httpClient(service.url);
    const after = await snapshot(api, ids);

    expect(after).toEqual(before);
    expect(before.jobs[0].history).toHaveLength(500);
    expect(before.jobs[0].model.layers[0].W).toHaveLength(2);
    expect(before.jobs[1].model.epoch).toBe(before.jobs[1].job.progress.epoch);
    expect(before.datasets.items).toHaveLength(2);
  });
});
