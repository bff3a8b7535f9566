import { afterEach, describe, expect, it } from 'vitest';
import { startRunningService, type RunningService } from '../support/running-service.js';

const ALPHA = 'alpha-key-0123456789abcdef';
const BETA = 'beta-key-fedcba9876543210';

let running: RunningService | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function submit(key: string, epochs: number): Promise<string> {
  const response = await fetch(`${running!.url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      network: {
        inputSize: 2,
        layers: [
          { units: 16, activation: 'tanh' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: 'binaryCrossentropy',
      },
      dataset: {
        inputs: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        targets: [[0], [1], [1], [0]],
      },
      training: { epochs, seed: 1 },
    }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function job(key: string, id: string): Promise<any> {
  return (
    await fetch(`${running!.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${key}` } })
  ).json();
}

describe('fair claiming', () => {
  it("starts another tenant's single job next, ahead of a flood of one tenant's jobs", async () => {
    running = await startRunningService({
      API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
      WORKERS: '1',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    const flood: string[] = [];
    for (let i = 0; i < 30; i++) flood.push(await submit(ALPHA, 20_000));
    const single = await submit(BETA, 20_000);

    let finished: any;
    do {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = await job(BETA, single);
    } while (finished.status !== 'succeeded');

    const floodJobs = await Promise.all(flood.map((id) => job(ALPHA, id)));
    const startedFirst = floodJobs.filter(
      (one) => one.startedAt !== null && one.startedAt <= finished.startedAt,
    );
    const overtaking = startedFirst.filter((one) => one.startedAt > finished.createdAt);
    const waiting = floodJobs.filter((one) => one.status === 'queued').length;
    console.info(
      `fair claiming: of ${flood.length} jobs one tenant queued first, ` +
        `${startedFirst.length} started before the other tenant's job ` +
        `(${overtaking.length} after it arrived); ${waiting} still waited behind it`,
    );
    // The other tenant's job is the very next one claimed after it arrives: none overtakes it.
    expect(overtaking).toEqual([]);
    expect(waiting).toBeGreaterThan(20);
    for (const id of flood)
      await fetch(`${running.url}/v1/jobs/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ALPHA}` },
      });
  }, 120_000);
});
