import { describe, expect, it } from 'vitest';
import {
  Trainer,
  createWasmKernels,
  decodeCheckpoint,
  encodeCheckpoint,
  jsKernels,
  type NetworkDefinition,
  type OptimizerConfig,
  type TrainerInit,
  type TrainingCheckpoint,
  type TrainingHooks,
  type TrainingOptions,
  type TrainingResult,
} from '../../../src/engine/index.js';
import { classificationData } from '../support/datasets.js';
import { expectSameBlocks, snapshot, withoutTime, type TimelessReport } from '../support/runs.js';

/**
 * Same seed → same run, bit for bit; and a run stopped at an epoch boundary and resumed from
 * its checkpoint is indistinguishable from one that never stopped: every optimizer, with
 * shuffling, mini-batches with a remainder, a validation split and early stopping all on.
 */

const network: NetworkDefinition = {
  inputSize: 4,
  layers: [
    { units: 6, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

// 23 rows with validationSplit 0.2 leave floor(18.4) = 18 training rows: batches of 5, 5, 5, 3.
const data = classificationData(21, 23);
const CHECKPOINT_EPOCH = 4;

const OPTIMIZER_CASES: [string, OptimizerConfig][] = [
  ['sgd', { type: 'sgd', learningRate: 0.2 }],
  ['momentum', { type: 'momentum', learningRate: 0.05, momentum: 0.9 }],
  [
    'momentum with Nesterov',
    { type: 'momentum', learningRate: 0.05, momentum: 0.9, useNesterov: true },
  ],
  ['adam', { type: 'adam', learningRate: 0.02 }],
  ['rmsprop', { type: 'rmsprop', learningRate: 0.01 }],
  [
    'centered rmsprop with momentum',
    { type: 'rmsprop', learningRate: 0.01, momentum: 0.5, centered: true },
  ],
  ['adagrad', { type: 'adagrad', learningRate: 0.1 }],
];

function optionsFor(optimizer: OptimizerConfig, seed = 7): TrainingOptions {
  return {
    epochs: 12,
    batchSize: 5,
    optimizer,
    seed,
    shuffle: true,
    validationSplit: 0.2,
    l2: 0.001,
    earlyStopping: {
      monitor: 'validationCost',
      patience: 4,
      minDelta: 0.001,
      restoreBestWeights: true,
    },
  };
}

interface Run {
  readonly result: TrainingResult;
  readonly reports: TimelessReport[];
  /** The checkpoint handed out at CHECKPOINT_EPOCH's boundary, if that epoch was reached. */
  readonly checkpoint?: TrainingCheckpoint;
}

function run(
  options: TrainingOptions,
  init: TrainerInit = {},
  hooks: Omit<TrainingHooks, 'onEpoch'> = {},
): Run {
  const reports: TimelessReport[] = [];
  let checkpoint: TrainingCheckpoint | undefined;
  const result = new Trainer(network, data, options, init).run({
    ...hooks,
    onEpoch(report, trainer) {
      reports.push(withoutTime(report));
      if (report.epoch === CHECKPOINT_EPOCH) checkpoint = trainer.checkpoint();
    },
  });
  return { result, reports, checkpoint };
}

/** Asserts that `resumed`, continued from epoch `from`, finished exactly like `whole`. */
function expectSameOutcome(whole: Run, resumed: Run, from: number): void {
  expect(resumed.reports).toEqual(whole.reports.slice(from));
  const { stopReason, epoch, cost, bestEpoch } = whole.result;
  expect(resumed.result).toMatchObject({ stopReason, epoch, cost, bestEpoch });
  expectSameBlocks(snapshot(resumed.result.layers), snapshot(whole.result.layers));
}

describe('a training run', () => {
  for (const [name, optimizer] of OPTIMIZER_CASES) {
    describe(`with ${name}`, () => {
      const options = optionsFor(optimizer);
      const whole = run(options);

      it('gives the same history and weights, bit for bit, for the same seed', () => {
        expect(whole.reports.length).toBeGreaterThan(CHECKPOINT_EPOCH);
        expectSameOutcome(whole, run(options), 0);
      });

      it(`resumes from epoch ${CHECKPOINT_EPOCH}'s checkpoint exactly as if never stopped`, () => {
        expect(whole.checkpoint!.epoch).toBe(CHECKPOINT_EPOCH);
        expectSameOutcome(whole, run(options, { checkpoint: whole.checkpoint }), CHECKPOINT_EPOCH);
      });

      it('resumes exactly through encodeCheckpoint and decodeCheckpoint', () => {
        const bytes = encodeCheckpoint(whole.checkpoint!);
        expectSameOutcome(
          whole,
          run(options, { checkpoint: decodeCheckpoint(bytes) }),
          CHECKPOINT_EPOCH,
        );
      });

      it('resumes exactly after a suspend in the middle of an epoch', () => {
        let polls = 0;
        // Four steps per epoch: poll 23 is the third step of epoch 6.
        const suspended = run(options, {}, { control: () => (++polls === 23 ? 'suspend' : null) });
        expect(suspended.result.stopReason).toBe('suspended');
        expect(suspended.result.checkpoint.epoch).toBe(5);
        expect(suspended.reports).toEqual(whole.reports.slice(0, 5));

        const bytes = encodeCheckpoint(suspended.result.checkpoint);
        expectSameOutcome(whole, run(options, { checkpoint: decodeCheckpoint(bytes) }), 5);
      });
    });
  }

  it('resumes exactly after a suspend when each epoch is a single full-batch step', () => {
    const options: TrainingOptions = { ...optionsFor(OPTIMIZER_CASES[1][1]), batchSize: undefined };
    const whole = run(options);
    let polls = 0;
    const suspended = run(options, {}, { control: () => (++polls === 3 ? 'suspend' : null) });
    expect(suspended.result.checkpoint.epoch).toBe(2);
    expectSameOutcome(whole, run(options, { checkpoint: suspended.result.checkpoint }), 2);
  });

  it('gives other weights for another seed', () => {
    const options = optionsFor(OPTIMIZER_CASES[3][1]);
    const a = snapshot(run(options).result.layers);
    const b = snapshot(run({ ...options, seed: 8 }).result.layers);
    expect(a[0]).not.toEqual(b[0]);
  });

  it('resumes early-stopping state: a stop after the checkpoint comes at the same epoch', () => {
    const options: TrainingOptions = {
      ...optionsFor({ type: 'adam', learningRate: 0.05 }),
      epochs: 200,
      earlyStopping: {
        monitor: 'validationCost',
        patience: 3,
        minDelta: 0.01,
        restoreBestWeights: true,
      },
    };
    const whole = run(options);
    expect(whole.result.stopReason).toBe('earlyStopping');
    expect(whole.reports.length).toBeGreaterThan(CHECKPOINT_EPOCH + 1);
    expect(whole.result.bestEpoch).toBeLessThan(whole.reports.length);

    const bytes = encodeCheckpoint(whole.checkpoint!);
    expectSameOutcome(
      whole,
      run(options, { checkpoint: decodeCheckpoint(bytes) }),
      CHECKPOINT_EPOCH,
    );

    // The bookkeeping is what makes this work: forgetting it changes where the run stops.
    const forgetful = run(options, { checkpoint: { ...whole.checkpoint!, best: null } });
    expect(forgetful.reports.length + CHECKPOINT_EPOCH).not.toBe(whole.reports.length);
  });

  it('gives the same run on the JS and the WebAssembly kernels', () => {
    // Wide enough layers and batches that the SIMD matmul, not its small-size fallback, runs.
    const wide: NetworkDefinition = {
      inputSize: 4,
      layers: [
        { units: 64, activation: 'relu' },
        { units: 64, activation: 'tanh' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    };
    const wideData = classificationData(22, 200);
    const options: TrainingOptions = {
      epochs: 3,
      batchSize: 64,
      optimizer: { type: 'adam', learningRate: 0.01 },
      seed: 1,
    };
    const runOn = (init: TrainerInit) => {
      const reports: TimelessReport[] = [];
      const result = new Trainer(wide, wideData, options, init).run({
        onEpoch: (report) => reports.push(withoutTime(report)),
      });
      return { result, reports };
    };

    const js = runOn({ kernels: jsKernels });
    const wasm = runOn({ kernels: createWasmKernels() });
    expect(wasm.reports).toEqual(js.reports);
    expectSameBlocks(snapshot(wasm.result.layers), snapshot(js.result.layers));
  });
});
