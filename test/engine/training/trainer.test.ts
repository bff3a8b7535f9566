import { describe, expect, it } from 'vitest';
import {
  EngineError,
  InvalidArgumentError,
  Random,
  ShapeMismatchError,
  TimeLimitExceededError,
  Trainer,
  TrainingDivergedError,
  createPredictor,
  explainGradients,
  initializeParameters,
  matrixFromRows,
  type EpochReport,
  type LayerParameters,
  type NetworkDefinition,
  type TrainingData,
  type TrainingHooks,
  type TrainingOptions,
} from '../../../src/engine/index.js';
import { classificationData, regressionData } from '../support/datasets.js';
import { expectClose } from '../support/numeric.js';
import { expectSameBlocks, snapshot } from '../support/runs.js';

const regressor: NetworkDefinition = {
  inputSize: 3,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 1, activation: 'linear' },
  ],
  loss: 'meanSquaredError',
};

const classifier: NetworkDefinition = {
  inputSize: 4,
  layers: [
    { units: 6, activation: 'tanh' },
    { units: 5, activation: 'relu' },
    { units: 3, activation: 'softmax' },
  ],
  loss: 'categoricalCrossentropy',
};

const sgd = (learningRate: number) => ({ type: 'sgd', learningRate }) as const;

/** Runs a trainer, collecting every epoch report and the weights at every epoch boundary. */
function train(
  definition: NetworkDefinition,
  data: TrainingData,
  options: TrainingOptions,
  hooks: Omit<TrainingHooks, 'onEpoch'> = {},
  initialLayers?: readonly LayerParameters[],
) {
  const reports: EpochReport[] = [];
  const weights: Float64Array[][] = [];
  const trainer = new Trainer(definition, data, options, initialLayers ? { initialLayers } : {});
  const result = trainer.run({
    ...hooks,
    onEpoch(report, running) {
      reports.push(report);
      weights.push(snapshot(running.layers));
    },
  });
  return { result, reports, weights };
}

/** Asserts that the layers hold exactly the given buffers. */
function expectWeights(
  layers: readonly LayerParameters[],
  expected: readonly Float64Array[],
): void {
  expectSameBlocks(snapshot(layers), expected);
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the run to throw');
}

describe('Trainer epochs and reports', () => {
  it('numbers epochs from 1 and reports each one once, in order', () => {
    const { reports, result } = train(regressor, regressionData(1, 20), {
      epochs: 7,
      batchSize: 6,
      optimizer: sgd(0.05),
      seed: 1,
    });
    expect(reports.map((report) => report.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(result).toMatchObject({ stopReason: 'epochs', epoch: 7, cost: reports[6].cost });
  });

  it('makes epoch 1 of full-batch sgd exactly one step W − learningRate·∂cost/∂W', () => {
    const data = regressionData(2, 12);
    const start = initializeParameters(regressor, new Random(5));
    const before = explainGradients({ definition: regressor, layers: start, ...data, l2: 0.01 });

    const { reports, result } = train(
      regressor,
      data,
      { epochs: 1, optimizer: sgd(0.1), seed: 1, shuffle: false, l2: 0.01 },
      {},
      start,
    );

    expect(reports[0].cost).toBeCloseTo(before.cost!, 13);
    result.layers.forEach(({ W, b }, index) => {
      const gradient = before.gradients.layers[index];
      const stepped = (from: Float64Array, by: number[]) =>
        from.map((value, i) => value - 0.1 * by[i]);
      expectClose(W.data, stepped(start[index].W.data, gradient.W.flat()), 1e-14, `W${index + 1}`);
      expectClose(b.data, stepped(start[index].b.data, gradient.b), 1e-14, `b${index + 1}`);
    });
  });

  it('reports one gradient norm per layer, of the gradient at the epoch’s last step', () => {
    const data = classificationData(3, 15);
    const start = initializeParameters(classifier, new Random(6));
    const gradients = explainGradients({ definition: classifier, layers: start, ...data }).gradients
      .layers;

    const { reports } = train(
      classifier,
      data,
      { epochs: 2, optimizer: sgd(0.1), seed: 1, shuffle: false },
      {},
      start,
    );

    const norms = gradients.map(({ W, b }) => Math.hypot(...W.flat(), ...b));
    expect(reports[0].gradientNorms).toHaveLength(3);
    expectClose(reports[0].gradientNorms, norms, 1e-13, 'gradient norms');
    expect(reports[1].gradientNorms).toHaveLength(3);
  });

  it('reports accuracy and validation accuracy for the classification losses only', () => {
    const options = { epochs: 1, optimizer: sgd(0.1), seed: 1, validationSplit: 0.25 } as const;

    const regression = train(regressor, regressionData(4, 16), options).reports[0];
    expect(regression).not.toHaveProperty('accuracy');
    expect(regression).not.toHaveProperty('validationAccuracy');

    const categorical = train(classifier, classificationData(4, 16), options).reports[0];
    expect(categorical).toHaveProperty('accuracy');
    expect(categorical).toHaveProperty('validationAccuracy');

    const binary: NetworkDefinition = {
      inputSize: 4,
      layers: [{ units: 3, activation: 'sigmoid' }],
      loss: 'binaryCrossentropy',
    };
    const binaryReport = train(binary, classificationData(4, 16), options).reports[0];
    expect(binaryReport).toHaveProperty('accuracy');
    expect(binaryReport).toHaveProperty('validationAccuracy');
  });

  it('measures accuracy as the share of rows whose arg-max class is the target’s', () => {
    const data = classificationData(5, 30);
    const start = initializeParameters(classifier, new Random(7));
    const { reports } = train(
      classifier,
      data,
      { epochs: 1, optimizer: sgd(0.1), seed: 1, shuffle: false },
      {},
      start,
    );

    // Full batch: epoch 1's accuracy is that of the starting weights, before the step.
    const outputs = createPredictor(classifier, start).predict(data.inputs).data;
    const argMax = (values: Float64Array, row: number) => {
      const slice = Array.from(values.subarray(row * 3, row * 3 + 3));
      return slice.indexOf(Math.max(...slice));
    };
    let correct = 0;
    for (let row = 0; row < 30; row++)
      if (argMax(outputs, row) === argMax(data.targets.data, row)) correct++;
    expect(reports[0].accuracy).toBe(correct / 30);
  });
});

describe('Trainer validationSplit', () => {
  // y = 2x + 1 on the first 7 rows; the last 3 rows are outliers at 100. If any of them were
  // trained on, the training cost would be in the thousands.
  const rows = Array.from({ length: 10 }, (_, r) => r / 10);
  const data: TrainingData = {
    inputs: matrixFromRows(rows.map((x) => [x])),
    targets: matrixFromRows(rows.map((x, r) => [r < 7 ? 2 * x + 1 : 100])),
  };
  const line: NetworkDefinition = {
    inputSize: 1,
    layers: [{ units: 1, activation: 'linear' }],
    loss: 'meanSquaredError',
  };
  const start = [{ W: matrixFromRows([[0.5]]), b: matrixFromRows([[0]]) }];
  const mse = (w: number, b: number, from: number, to: number) => {
    let total = 0;
    for (let r = from; r < to; r++) total += (w * rows[r] + b - data.targets.data[r]) ** 2;
    return total / (to - from);
  };

  it('holds out the last rows, taken before shuffling, and trains on the rest', () => {
    const { reports, weights } = train(
      line,
      data,
      { epochs: 3, optimizer: sgd(0.1), seed: 9, shuffle: true, validationSplit: 0.3 },
      {},
      start,
    );

    expect(reports[0].cost).toBeCloseTo(mse(0.5, 0, 0, 7), 12);
    reports.forEach((report, index) => {
      const [[w], [b]] = weights[index];
      expect(report.validationCost).toBeCloseTo(mse(w, b, 7, 10), 10);
    });
  });

  it('rounds the number of training rows down, as TF.js does', () => {
    // floor(10 · 0.75) = 7 training rows, so the validation set is again the last 3 rows.
    const { reports, weights } = train(
      line,
      data,
      { epochs: 1, optimizer: sgd(0.1), seed: 9, validationSplit: 0.25 },
      {},
      start,
    );
    const [[w], [b]] = weights[0];
    expect(reports[0].validationCost).toBeCloseTo(mse(w, b, 7, 10), 10);
  });
});

describe('Trainer stopping', () => {
  const data = regressionData(11, 20);
  // 20 rows in batches of 6: steps of 6, 6, 6 and a remainder of 2.
  const options: TrainingOptions = {
    epochs: 6,
    batchSize: 6,
    optimizer: { type: 'momentum', learningRate: 0.05 },
    seed: 4,
  };

  it('cancels mid-epoch with the last finished epoch’s weights and stopReason cancelled', () => {
    let calls = 0;
    // Polls 1–4 are epoch 1's steps, 5–8 epoch 2's; poll 10 is the second step of epoch 3.
    const control = () => (++calls === 10 ? ('cancel' as const) : null);
    const { result, reports, weights } = train(regressor, data, options, { control });
    const reference = train(regressor, data, { ...options, epochs: 2 });

    expect(result).toMatchObject({ stopReason: 'cancelled', epoch: 2, cost: reports[1].cost });
    expect(reports).toHaveLength(2);
    expectWeights(result.layers, weights[1]);
    expectWeights(result.layers, snapshot(reference.result.layers));
    expect(result.checkpoint.epoch).toBe(2);
  });

  it('cancels before the first epoch ends with the starting weights and no cost', () => {
    const start = initializeParameters(regressor, new Random(8));
    let calls = 0;
    const control = () => (++calls === 3 ? ('cancel' as const) : null);
    const { result, reports } = train(regressor, data, options, { control }, start);
    expect(result).toMatchObject({
      stopReason: 'cancelled',
      epoch: 0,
      cost: null,
      bestEpoch: null,
    });
    expect(reports).toEqual([]);
    expectWeights(result.layers, snapshot(start));
  });

  it('stops at the first epoch whose cost is at or below targetCost', () => {
    const full = train(regressor, data, { ...options, epochs: 30 });
    const target = full.reports[9].cost;
    const expectedEpoch = full.reports.find((report) => report.cost <= target)!.epoch;

    const { result, reports } = train(regressor, data, {
      ...options,
      epochs: 30,
      targetCost: target,
    });
    expect(result).toMatchObject({ stopReason: 'targetCost', epoch: expectedEpoch });
    expect(reports).toHaveLength(expectedEpoch);
    for (const report of reports.slice(0, -1)) expect(report.cost).toBeGreaterThan(target);
  });

  it('stops with timeLimit at the first step past it, keeping the last finished epoch', () => {
    let clock = 0;
    let steps = 0;
    // Time passes only on the third step of epoch 3: that epoch cannot finish.
    const control = () => {
      if (++steps === 11) clock += 5000;
      return null;
    };
    const { result, reports, weights } = train(
      regressor,
      data,
      { ...options, timeLimitSeconds: 2 },
      { control, now: () => clock },
    );

    expect(result).toMatchObject({ stopReason: 'timeLimit', epoch: 2 });
    expect(reports).toHaveLength(2);
    expectWeights(result.layers, weights[1]);
  });

  it('throws TimeLimitExceededError when the limit passes before the first epoch ends', () => {
    let clock = 0;
    const trainer = new Trainer(regressor, data, { ...options, timeLimitSeconds: 1 });
    const error = errorOf(() => trainer.run({ now: () => (clock += 400) }));
    expect(error).toBeInstanceOf(TimeLimitExceededError);
    expect((error as TimeLimitExceededError).code).toBe('TIME_LIMIT_EXCEEDED');
  });

  it('throws TrainingDivergedError naming the epoch, after reporting only earlier epochs', () => {
    const trainer = new Trainer(regressor, data, {
      epochs: 500,
      optimizer: sgd(50),
      seed: 2,
      shuffle: false,
    });
    const reported: EpochReport[] = [];
    const error = errorOf(() => trainer.run({ onEpoch: (report) => reported.push(report) }));

    expect(error).toBeInstanceOf(TrainingDivergedError);
    const diverged = error as TrainingDivergedError;
    expect(diverged.code).toBe('TRAINING_DIVERGED');
    expect(diverged.epoch).toBe(reported.length + 1);
    expect(diverged.message).toContain(`epoch ${diverged.epoch}`);
    expect(reported.map((report) => report.epoch)).toEqual(reported.map((_, index) => index + 1));
    for (const report of reported) expect(Number.isFinite(report.cost)).toBe(true);
  });
});

describe('Trainer earlyStopping', () => {
  const data = regressionData(5, 40);
  const base: TrainingOptions = {
    epochs: 60,
    batchSize: 8,
    optimizer: { type: 'adam', learningRate: 0.05 },
    seed: 3,
    validationSplit: 0.25,
  };
  const stopping = { monitor: 'validationCost', patience: 3, minDelta: 0.005 } as const;

  /** TF.js's EarlyStopping rule replayed over a finished history: [stop epoch, best epoch]. */
  function replayRule(
    values: number[],
    patience: number,
    minDelta: number,
  ): [number | null, number] {
    let best = Infinity;
    let bestEpoch = 0;
    let wait = 0;
    for (let index = 0; index < values.length; index++) {
      if (values[index] + minDelta < best) {
        best = values[index];
        bestEpoch = index + 1;
        wait = 0;
      } else if (++wait >= patience) {
        return [index + 1, bestEpoch];
      }
    }
    return [null, bestEpoch];
  }

  const reference = train(regressor, data, base);
  const validationCosts = reference.reports.map((report) => report.validationCost!);
  const [stopEpoch, bestEpoch] = replayRule(validationCosts, stopping.patience, stopping.minDelta);

  it('is exercised here: it stops early, and some epoch improves by less than minDelta', () => {
    expect(stopEpoch).not.toBeNull();
    const smallGains = validationCosts.slice(0, stopEpoch!).filter((value, index) => {
      const bestBefore = Math.min(...validationCosts.slice(0, index));
      return value < bestBefore && value + stopping.minDelta >= bestBefore;
    });
    expect(smallGains.length).toBeGreaterThan(0);
  });

  it('stops once patience epochs in a row fail to improve by more than minDelta', () => {
    const { result, reports } = train(regressor, data, { ...base, earlyStopping: stopping });
    expect(result.stopReason).toBe('earlyStopping');
    expect(reports).toHaveLength(stopEpoch!);
    expect(result.bestEpoch).toBe(bestEpoch);
    expect(result.epoch).toBe(stopEpoch);
    expectWeights(result.layers, reference.weights[stopEpoch! - 1]);
  });

  it('returns the best epoch’s weights with restoreBestWeights', () => {
    const { result } = train(regressor, data, {
      ...base,
      earlyStopping: { ...stopping, restoreBestWeights: true },
    });
    expect(result).toMatchObject({ stopReason: 'earlyStopping', epoch: bestEpoch, bestEpoch });
    expect(result.cost).toBe(reference.reports[bestEpoch - 1].cost);
    expectWeights(result.layers, reference.weights[bestEpoch - 1]);
  });

  it('can monitor the training cost instead', () => {
    const [costStop] = replayRule(
      reference.reports.map((report) => report.cost),
      2,
      0.01,
    );
    const { result, reports } = train(regressor, data, {
      ...base,
      earlyStopping: { monitor: 'cost', patience: 2, minDelta: 0.01 },
    });
    expect(costStop).not.toBeNull();
    expect(result.stopReason).toBe('earlyStopping');
    expect(reports).toHaveLength(costStop!);
  });
});

describe('Trainer input checks', () => {
  const data = regressionData(1, 10);
  const options: TrainingOptions = { epochs: 1, optimizer: { type: 'sgd' }, seed: 1 };

  it('rejects inputs of the wrong width with SHAPE_MISMATCH naming both shapes', () => {
    const narrow = {
      ...data,
      inputs: { rows: 10, cols: 2, data: data.inputs.data.subarray(0, 20) },
    };
    const error = errorOf(() => new Trainer(regressor, narrow, options));
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect((error as ShapeMismatchError).code).toBe('SHAPE_MISMATCH');
    expect((error as ShapeMismatchError).message).toMatch(
      /dataset\.inputs.*\[10, 2\] and \[10, 3\]/,
    );
  });

  it('rejects targets of the wrong width or row count', () => {
    const wide = { ...data, targets: { rows: 5, cols: 2, data: data.targets.data } };
    expect(() => new Trainer(regressor, wide, options)).toThrow(
      /dataset\.targets.*\[5, 2\] and \[5, 1\]/,
    );
    const short = {
      ...data,
      targets: { rows: 9, cols: 1, data: data.targets.data.subarray(0, 9) },
    };
    expect(() => new Trainer(regressor, short, options)).toThrow(ShapeMismatchError);
  });

  it('rejects initial weights of the wrong shape', () => {
    const layers = initializeParameters({ ...regressor, inputSize: 2 }, new Random(1));
    expect(() => new Trainer(regressor, data, options, { initialLayers: layers })).toThrow(
      ShapeMismatchError,
    );
  });

  it('rejects a checkpoint of another network or optimizer with CHECKPOINT_MISMATCH', () => {
    const adam = { ...options, optimizer: { type: 'adam' } } as const;
    const momentum = { ...options, optimizer: { type: 'momentum' } } as const;
    const saved = new Trainer(regressor, data, adam).run().checkpoint;
    const wider = {
      ...regressor,
      layers: [{ units: 9, activation: 'tanh' }, regressor.layers[1]],
    } as const;
    for (const resume of [
      () => new Trainer(wider, data, adam, { checkpoint: saved }),
      () => new Trainer(regressor, data, momentum, { checkpoint: saved }),
    ]) {
      const error = errorOf(resume);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('CHECKPOINT_MISMATCH');
    }
  });

  it.each([
    ['epochs', { epochs: 0 }],
    ['batchSize', { batchSize: 2.5 }],
    ['validationSplit', { validationSplit: 1 }],
    ['validationSplit', { validationSplit: 0.95 }],
    ['l2', { l2: -1 }],
    ['timeLimitSeconds', { timeLimitSeconds: 0 }],
    ['earlyStopping.monitor', { earlyStopping: { monitor: 'validationCost' } }],
    ['earlyStopping.patience', { earlyStopping: { monitor: 'cost', patience: -1 } }],
    ['earlyStopping.minDelta', { earlyStopping: { monitor: 'cost', minDelta: -0.1 } }],
  ])('rejects a bad %s with VALIDATION_FAILED', (path, override) => {
    const error = errorOf(
      () => new Trainer(regressor, data, { ...options, ...override } as TrainingOptions),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).path).toBe(path);
  });
});
