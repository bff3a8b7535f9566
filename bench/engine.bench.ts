/**
 * Trains the reference workloads with Chainrule's engine and with TensorFlow.js (cpu and
 * wasm backends) in the same process, several rounds each, and prints medians, samples/s,
 * GFLOP/s and the ratio to each reference. Figures only: nothing here fails on timing.
 *
 *   npm run bench:engine            (ROUNDS=5 by default; ROUNDS=1 for a quick look)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Trainer, createWasmKernels, jsKernels, type Kernels } from '../src/engine/index.js';
import { flopsPerRun, mlpWorkload, wideWorkload, xorWorkload, type Workload } from './workloads.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);

function trainChainrule(workload: Workload, kernels: Kernels): void {
  const cols = workload.definition.inputSize;
  const outputs = workload.definition.layers.at(-1)!.units;
  const trainer = new Trainer(
    workload.definition,
    {
      inputs: { rows: workload.rows, cols, data: workload.inputs },
      targets: { rows: workload.rows, cols: outputs, data: workload.targets },
    },
    {
      epochs: workload.epochs,
      batchSize: workload.batchSize ?? undefined,
      optimizer: workload.optimizer,
      seed: 1,
      shuffle: workload.batchSize !== null,
    },
    { kernels },
  );
  trainer.run();
}

async function trainTfjs(workload: Workload): Promise<void> {
  const cols = workload.definition.inputSize;
  const outputs = workload.definition.layers.at(-1)!.units;
  const xs = tf.tensor2d(Float32Array.from(workload.inputs), [workload.rows, cols]);
  const ys = tf.tensor2d(Float32Array.from(workload.targets), [workload.rows, outputs]);
  const model = tf.sequential();
  workload.definition.layers.forEach((layer, index) => {
    model.add(
      tf.layers.dense({
        units: layer.units,
        activation: layer.activation === 'leakyRelu' ? 'linear' : layer.activation,
        ...(index === 0 ? { inputShape: [cols] } : {}),
      }),
    );
  });
  const optimizer =
    workload.optimizer.type === 'adam'
      ? tf.train.adam(workload.optimizer.learningRate)
      : tf.train.sgd(workload.optimizer.learningRate);
  model.compile({ optimizer, loss: workload.definition.loss });
  await model.fit(xs, ys, {
    epochs: workload.epochs,
    batchSize: workload.batchSize ?? workload.rows,
    shuffle: workload.batchSize !== null,
    verbose: 0,
  });
  model.dispose();
  xs.dispose();
  ys.dispose();
}

async function medianMs(run: () => unknown | Promise<unknown>, rounds: number): Promise<number> {
  await run();
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

interface Row {
  engine: string;
  ms: number;
}

async function measure(workload: Workload): Promise<Row[]> {
  const rows: Row[] = [];
  const wasm = createWasmKernels();
  rows.push({
    engine: 'chainrule (wasm-simd kernels)',
    ms: await medianMs(() => trainChainrule(workload, wasm), ROUNDS),
  });
  rows.push({
    engine: 'chainrule (js kernels)',
    ms: await medianMs(() => trainChainrule(workload, jsKernels), Math.min(ROUNDS, 3)),
  });
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    await tf.ready();
    // tfjs-cpu on the wide workload takes minutes a round; fewer rounds keep the run bounded.
    const rounds = backend === 'cpu' && workload.rows > 4 ? 1 : ROUNDS;
    rows.push({ engine: `tfjs-${backend}`, ms: await medianMs(() => trainTfjs(workload), rounds) });
  }
  return rows;
}

function print(workload: Workload, rows: Row[]): void {
  const flops = flopsPerRun(workload);
  const samples = workload.rows * workload.epochs;
  console.log(`\n${workload.name}  (${(flops / 1e9).toFixed(2)} GFLOP per run)`);
  console.log(
    'engine                          median ms   samples/s   GFLOP/s   vs tfjs-cpu   vs tfjs-wasm',
  );
  const cpu = rows.find((row) => row.engine === 'tfjs-cpu')!.ms;
  const wasm = rows.find((row) => row.engine === 'tfjs-wasm')!.ms;
  for (const row of rows) {
    console.log(
      [
        row.engine.padEnd(30),
        row.ms.toFixed(1).padStart(11),
        Math.round(samples / (row.ms / 1000))
          .toLocaleString('en')
          .padStart(11),
        (flops / row.ms / 1e6).toFixed(2).padStart(9),
        `${(cpu / row.ms).toFixed(1)}×`.padStart(13),
        `${(wasm / row.ms).toFixed(2)}×`.padStart(14),
      ].join(' '),
    );
  }
}

for (const workload of [xorWorkload(), mlpWorkload('sgd'), mlpWorkload('adam'), wideWorkload()]) {
  print(workload, await measure(workload));
}
