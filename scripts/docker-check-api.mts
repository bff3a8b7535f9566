// The API half of scripts/docker-check.sh, run on the host against the container:
//   wait-healthy URL              until GET /healthz answers 200 (60 s at most)
//   train URL STATE_FILE          trains the lecture's XOR to `succeeded`, checks the model
//                                 solves XOR, then starts a long job and returns once it runs
//   verify URL STATE_FILE         after a restart on the same volume: the XOR job, its dataset
//                                 and its model are unchanged, the long job was requeued rather
//                                 than lost and runs again; then cancels it
//   check-resume STATE_FILE       reads the restarted service's log on stdin: the long job
//                                 started again from the checkpoint its SIGTERM wrote, not from 0
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { deepStrictEqual } from 'node:assert/strict';

interface Job {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  progress: { epoch: number; epochs: number };
  cost: number | null;
  datasetId: string;
  error: { code: string; message: string } | null;
}

interface Model {
  epoch: number;
  layers: { W: number[][]; b: number[]; activation: string }[];
}

/** What `train` hands to `verify` across the restart. */
interface State {
  xorJob: Job;
  xorModel: Model;
  longJobId: string;
  longJobEpochBeforeStop: number;
}

const XOR_INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const XOR_TARGETS = [[0], [1], [1], [0]];
const XOR_NETWORK = {
  inputSize: 2,
  layers: [
    { units: 10, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  loss: 'binaryCrossentropy',
  initializer: 'glorotUniform',
};

const [command, ...args] = process.argv.slice(2);
const baseUrl = command === 'check-resume' ? '' : args[0];
const stateFile = command === 'check-resume' ? args[0] : args[1];

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function waitFor<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${seconds} s waiting for ${what}`, { cause: lastError });
}

const repeat = (rows: number[][], times: number) =>
  Array.from({ length: times }, () => rows).flat();

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** The network's outputs for `inputs`, H = activation(X·W + b) layer by layer. */
function predict(model: Model, inputs: number[][]): number[][] {
  const activations: Record<string, (x: number) => number> = {
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    tanh: Math.tanh,
    relu: (x) => Math.max(0, x),
    linear: (x) => x,
  };
  return model.layers.reduce((rows, { W, b, activation }) => {
    const apply = activations[activation];
    check(apply !== undefined, `no reference implementation of activation ${activation}`);
    return rows.map((row) =>
      b.map((bias, unit) => apply(row.reduce((sum, x, input) => sum + x * W[input][unit], bias))),
    );
  }, inputs);
}

async function train(): Promise<void> {
  // The dashboard ships in the image: its page and the script it names are served.
  const page = await fetch(`${baseUrl}/`);
  const html = await page.text();
  check(
    page.ok && html.includes('<title>Chainrule</title>'),
    `the dashboard page answered ${page.status}`,
  );
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  check(
    script !== undefined && (await fetch(`${baseUrl}${script}`)).ok,
    'the dashboard script is not served',
  );
  console.log('dashboard served at /');

  const submitted = await call<Job>('POST', '/v1/jobs', {
    network: XOR_NETWORK,
    dataset: { inputs: XOR_INPUTS, targets: XOR_TARGETS },
    training: { epochs: 2000, optimizer: { type: 'sgd', learningRate: 1 }, seed: 1 },
  });
  const xorJob = await waitFor('the XOR job to finish', 120, async () => {
    const job = await call<Job>('GET', `/v1/jobs/${submitted.id}`);
    return ['queued', 'running'].includes(job.status) ? undefined : job;
  });
  check(
    xorJob.status === 'succeeded',
    `XOR job ended ${xorJob.status}: ${JSON.stringify(xorJob.error)}`,
  );

  const xorModel = await call<Model>('GET', `/v1/jobs/${xorJob.id}/model`);
  const outputs = predict(xorModel, XOR_INPUTS).map(([output]) => output);
  check(
    outputs.every((output, row) => Math.round(output) === XOR_TARGETS[row][0]),
    `the trained model does not solve XOR: outputs ${outputs.join(', ')}`,
  );
  console.log(
    `XOR trained: ${xorJob.id}, cost ${xorJob.cost} after ${xorJob.progress.epoch} epochs, ` +
      `outputs ${outputs.map((output) => output.toFixed(3)).join(' ')}`,
  );

  // XOR 64 times over for a million epochs: minutes of work, so it is surely running when the
  // container stops; the check cancels it after the restart.
  const long = await call<Job>('POST', '/v1/jobs', {
    network: XOR_NETWORK,
    dataset: { inputs: repeat(XOR_INPUTS, 64), targets: repeat(XOR_TARGETS, 64) },
    training: { epochs: 1_000_000, optimizer: { type: 'sgd', learningRate: 0.1 }, seed: 2 },
  });
  const running = await waitFor('the long job to run', 60, async () => {
    const job = await call<Job>('GET', `/v1/jobs/${long.id}`);
    check(
      ['queued', 'running'].includes(job.status),
      `long job ended ${job.status} before the stop`,
    );
    return job.status === 'running' && job.progress.epoch > 0 ? job : undefined;
  });
  console.log(`long job ${running.id} running at epoch ${running.progress.epoch}`);

  const state: State = {
    xorJob,
    xorModel,
    longJobId: running.id,
    longJobEpochBeforeStop: running.progress.epoch,
  };
  writeFileSync(stateFile, JSON.stringify(state));
}

async function verify(): Promise<void> {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as State;

  const xorJob = await call<Job>('GET', `/v1/jobs/${state.xorJob.id}`);
  deepStrictEqual(xorJob, state.xorJob, 'the XOR job changed across the restart');
  await call('GET', `/v1/datasets/${xorJob.datasetId}`);
  const xorModel = await call<Model>('GET', `/v1/jobs/${xorJob.id}/model`);
  deepStrictEqual(xorModel, state.xorModel, 'the XOR model changed across the restart');
  console.log(`after restart: ${xorJob.id} still succeeded, its dataset and model unchanged`);

  // SIGTERM suspends a running job at a checkpoint and requeues it: it must resume, not restart.
  const resumed = await waitFor('the long job to resume', 60, async () => {
    const job = await call<Job>('GET', `/v1/jobs/${state.longJobId}`);
    check(
      job.status !== 'failed',
      `long job failed after the restart: ${JSON.stringify(job.error)}`,
    );
    return job.status === 'running' || job.status === 'succeeded' ? job : undefined;
  });
  check(
    resumed.progress.epoch >= state.longJobEpochBeforeStop,
    `long job went back from epoch ${state.longJobEpochBeforeStop} to ${resumed.progress.epoch}`,
  );
  await call('POST', `/v1/jobs/${state.longJobId}/cancel`);
  const ended = await waitFor('the long job to stop after cancel', 60, async () => {
    const job = await call<Job>('GET', `/v1/jobs/${state.longJobId}`);
    return ['queued', 'running'].includes(job.status) ? undefined : job;
  });
  console.log(
    `after restart: long job ${ended.id} ran again (epoch ${resumed.progress.epoch}), ` +
      `then ended ${ended.status} on cancel`,
  );
}

/** Epochs are reported in batches, so the one seen before the stop is at most the checkpoint's. */
async function checkResume(): Promise<void> {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as State;
  let log = '';
  for await (const chunk of process.stdin) log += chunk;

  const started = log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; jobId?: string; resumeFromEpoch?: number })
    .find((entry) => entry.msg === 'job started' && entry.jobId === state.longJobId);
  check(
    started !== undefined,
    `the restarted service never logged 'job started' for ${state.longJobId}`,
  );
  const from = started!.resumeFromEpoch ?? 0;
  check(
    from >= state.longJobEpochBeforeStop,
    `long job restarted from epoch ${from}, before epoch ${state.longJobEpochBeforeStop} seen ahead of the stop`,
  );
  console.log(
    `after restart: long job ${state.longJobId} resumed from its checkpoint at epoch ${from}`,
  );
}

const commands: Record<string, () => Promise<void>> = {
  'wait-healthy': async () => {
    await waitFor(
      `${baseUrl}/healthz`,
      60,
      async () => (await call('GET', '/healthz')) ?? undefined,
    );
  },
  train,
  verify,
  'check-resume': checkResume,
};

const run = commands[command];
if (
  !run ||
  (command !== 'check-resume' && !baseUrl) ||
  (command !== 'wait-healthy' && !stateFile)
) {
  console.error(
    'usage: docker-check-api.mts wait-healthy URL | train|verify URL STATE_FILE | check-resume STATE_FILE',
  );
  process.exit(2);
}
await run();
