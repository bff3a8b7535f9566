import { XOR_INPUTS, XOR_TARGETS } from '../../src/api/schemas/examples.js';
import { call, pollUntil, type Json } from './http-client.js';

/** The jobs `npm run bench:api` submits: W1 is the lecture's XOR on a 2-2-1 network. */

export const XOR = { inputs: XOR_INPUTS, targets: XOR_TARGETS };
export const W1_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 2, activation: 'sigmoid' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  loss: 'binaryCrossentropy' as const,
};
export const w1Training = (seed: number) => ({
  epochs: 100,
  optimizer: { type: 'sgd' as const, learningRate: 0.1 },
  seed,
});

/** A W1 job trained to the end: its answer to GET /v1/jobs/{id} no longer changes. */
export async function finishedSampleJob(base: string): Promise<Json> {
  const { id } = (
    await call(base, 'POST', '/v1/jobs', {
      network: W1_NETWORK,
      dataset: XOR,
      training: w1Training(1),
    })
  ).body;
  let job: Json = null;
  await pollUntil(async () => {
    job = (await call(base, 'GET', `/v1/jobs/${id}`)).body;
    return job.status === 'succeeded';
  }, 'a sample job');
  return job;
}
