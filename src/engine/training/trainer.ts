import { EngineError, TrainingDivergedError } from '../errors.js';
import { Graph } from '../graph/graph.js';
import { defaultKernels, type Kernels } from '../kernels/index.js';
import { gatherRows } from '../matrix.js';
import { buildDenseGraph, type DenseGraph } from '../network/build-graph.js';
import {
  isClassificationLoss,
  type LayerParameters,
  type NetworkDefinition,
} from '../network/definition.js';
import {
  checkParameterShapes,
  cloneParameters,
  initializeParameters,
  parameterBuffers,
  validateNetwork,
} from '../network/parameters.js';
import { createOptimizer } from '../optimizers/registry.js';
import type { Optimizer, OptimizerState } from '../optimizers/optimizer.js';
import { Random, type RandomState } from '../random.js';
import type { TrainingCheckpoint } from './checkpoint.js';
import { splitData, type DataSplit, type TrainingData } from './data-split.js';
import { BestEpochTracker } from './early-stopping.js';
import { allFinite, countCorrect, layerGradientNorm } from './metrics.js';
import {
  resolveTrainingOptions,
  type ResolvedTrainingOptions,
  type TrainingOptions,
} from './options.js';

/** What the run reports after every epoch. Epochs are numbered from 1. */
export interface EpochReport {
  readonly epoch: number;
  /** Mean training cost over the epoch's steps, weighted by rows, l2 penalty included. */
  readonly cost: number;
  readonly validationCost?: number;
  readonly accuracy?: number;
  readonly validationAccuracy?: number;
  /** Per layer, √(Σ dW² + Σ db²) of the epoch's last step. */
  readonly gradientNorms: number[];
  /** Training time since the run began, over all attempts. */
  readonly elapsedMs: number;
}

export type StopReason = 'epochs' | 'targetCost' | 'earlyStopping' | 'timeLimit' | 'cancelled';

/** Polled between two steps: cancel ends the run; suspend hands back a checkpoint to resume. */
export type ControlSignal = 'cancel' | 'suspend' | null;

export interface TrainingHooks {
  /** Called at every epoch boundary; `trainer.checkpoint()` is valid inside it. */
  onEpoch?(report: EpochReport, trainer: Trainer): void;
  control?(): ControlSignal;
  /** Milliseconds on a monotonic clock; performance.now by default. */
  now?(): number;
}

export interface TrainingResult {
  /** 'suspended' means: resume from `checkpoint` to continue. */
  readonly stopReason: StopReason | 'suspended';
  /** The epoch whose weights `layers` holds (the best one after restoreBestWeights). */
  readonly epoch: number;
  readonly cost: number | null;
  readonly bestEpoch: number | null;
  readonly layers: LayerParameters[];
  /** The state at the last epoch boundary reached. */
  readonly checkpoint: TrainingCheckpoint;
}

export interface TrainerInit {
  /** Start from these weights (a warm start) instead of initializing. */
  readonly initialLayers?: readonly LayerParameters[];
  /** Continue a run from its checkpoint; takes precedence over initialLayers. */
  readonly checkpoint?: TrainingCheckpoint;
  readonly kernels?: Kernels;
}

/** A dense graph recorded for one batch height, with its parameter gradients in W₁, b₁, … order. */
interface RecordedBatchGraph extends DenseGraph {
  readonly graph: Graph;
  readonly gradients: readonly Float64Array[];
}

/** The state a mid-epoch stop rolls back to: the last epoch boundary. */
interface Boundary {
  epoch: number;
  cost: number | null;
  parameters: Float64Array[] | null;
  optimizer: OptimizerState | null;
  random: RandomState;
  elapsedMs: number;
}

export class TimeLimitExceededError extends EngineError {
  constructor(seconds: number) {
    super(
      'TIME_LIMIT_EXCEEDED',
      `the time limit of ${seconds} s passed before the first epoch finished`,
    );
  }
}

/**
 * One training run of a dense network: mini-batch gradient descent over recorded graphs,
 * deterministic for a seed. Graphs are recorded once per batch height and replayed for every
 * step, so a step allocates nothing.
 */
export class Trainer {
  readonly options: ResolvedTrainingOptions;
  readonly layers: LayerParameters[];
  private readonly split: DataSplit;
  private readonly kernels: Kernels;
  private readonly random: Random;
  private readonly optimizer: Optimizer;
  private readonly parameters: Float64Array[];
  private readonly tracker: BestEpochTracker;
  private readonly graphs = new Map<number, RecordedBatchGraph>();
  private readonly batchRows: number;
  private boundary: Boundary;

  constructor(
    readonly definition: NetworkDefinition,
    data: TrainingData,
    options: TrainingOptions,
    init: TrainerInit = {},
  ) {
    validateNetwork(definition);
    this.options = resolveTrainingOptions(options);
    this.split = splitData(definition, data, this.options.validationSplit);
    this.kernels = init.kernels ?? defaultKernels();
    this.random = new Random(this.options.seed);

    if (init.initialLayers) checkParameterShapes(definition, init.initialLayers);
    this.layers = init.initialLayers
      ? cloneParameters(init.initialLayers)
      : initializeParameters(definition, this.random);
    this.parameters = parameterBuffers(this.layers);
    this.optimizer = createOptimizer(
      this.options.optimizer,
      this.parameters.map((p) => p.length),
      this.kernels,
    );

    const stopping = this.options.earlyStopping;
    this.tracker = new BestEpochTracker(
      {
        patience: stopping?.patience ?? Infinity,
        minDelta: stopping?.minDelta ?? 0,
        keepParameters: stopping?.restoreBestWeights ?? false,
      },
      init.checkpoint?.best ?? null,
    );

    const trainingRows = this.split.training.inputs.rows;
    this.batchRows = Math.min(this.options.batchSize ?? trainingRows, trainingRows);
    this.boundary = {
      epoch: 0,
      cost: null,
      parameters: null,
      optimizer: null,
      random: this.random.state(),
      elapsedMs: 0,
    };
    if (init.checkpoint) this.restore(init.checkpoint);
  }

  /** The best epoch so far by the monitored cost, or null before the first epoch. */
  get bestEpoch(): number | null {
    return this.tracker.current?.epoch ?? null;
  }

  /** The state at the last epoch boundary, complete enough to resume bit-identically. */
  checkpoint(): TrainingCheckpoint {
    const boundary = this.boundary;
    return {
      epoch: boundary.epoch,
      cost: boundary.cost,
      parameters:
        boundary.parameters?.map((block) => block.slice()) ?? this.parameters.map((p) => p.slice()),
      optimizer: boundary.optimizer ?? this.optimizer.state(),
      random: boundary.random,
      best: this.tracker.current,
      elapsedMs: boundary.elapsedMs,
    };
  }

  /** Trains until a stop condition; throws TrainingDivergedError on a non-finite cost or weight. */
  run(hooks: TrainingHooks = {}): TrainingResult {
    const now = hooks.now ?? (() => performance.now());
    const control = hooks.control ?? (() => null);
    const { options } = this;
    const classification = isClassificationLoss(this.definition.loss);
    const training = this.split.training;
    const rows = training.inputs.rows;
    const stepsPerEpoch = Math.ceil(rows / this.batchRows);
    const order = new Uint32Array(rows);
    const limitMs = options.timeLimitSeconds === null ? Infinity : options.timeLimitSeconds * 1000;
    const startedAt = now() - this.boundary.elapsedMs;

    for (let epoch = this.boundary.epoch + 1; epoch <= options.epochs; epoch++) {
      // A multi-step epoch can be interrupted midway; keep its starting state to roll back to.
      if (stepsPerEpoch > 1) this.saveBoundaryState();

      for (let i = 0; i < rows; i++) order[i] = i;
      if (options.shuffle) this.random.shuffle(order);

      let costSum = 0;
      let correct = 0;
      let counted = 0;
      let last: DenseGraph | undefined;

      for (let from = 0; from < rows; from += this.batchRows) {
        const signal = control();
        if (signal !== null)
          return this.stopMidEpoch(signal === 'cancel' ? 'cancelled' : 'suspended');
        if (now() - startedAt >= limitMs)
          return this.stopMidEpoch('timeLimit', options.timeLimitSeconds!);

        const count = Math.min(this.batchRows, rows - from);
        const net = this.graphFor(count);
        gatherRows(training.inputs, order, from, count, net.inputs.value);
        gatherRows(training.targets, order, from, count, net.targets!.value);

        net.graph.forward();
        const cost = net.cost!.value[0];
        if (!Number.isFinite(cost)) throw new TrainingDivergedError(epoch, 'the cost');
        costSum += cost * count;
        if (classification) {
          const [right, total] = countCorrect(
            this.definition.loss,
            net.outputs.value,
            net.targets!.value,
            count,
            net.outputs.cols,
          );
          correct += right;
          counted += total;
        }

        net.graph.backward(net.cost!);
        this.optimizer.step(this.parameters, net.gradients);
        last = net;
      }

      for (const block of this.parameters) {
        if (!allFinite(block)) throw new TrainingDivergedError(epoch, 'a weight');
      }

      const report = this.buildReport(
        epoch,
        costSum / rows,
        classification ? correct / counted : undefined,
        last!,
        now() - startedAt,
      );
      const monitored =
        options.earlyStopping?.monitor === 'cost' || report.validationCost === undefined
          ? report.cost
          : report.validationCost;
      const shouldStopEarly = this.tracker.record(epoch, monitored, report.cost, this.parameters);
      this.boundary = {
        epoch,
        cost: report.cost,
        parameters: null,
        optimizer: null,
        random: this.random.state(),
        elapsedMs: report.elapsedMs,
      };

      hooks.onEpoch?.(report, this);

      if (options.targetCost !== null && report.cost <= options.targetCost)
        return this.finish('targetCost');
      if (options.earlyStopping && shouldStopEarly) return this.finish('earlyStopping');
    }
    return this.finish('epochs');
  }

  private buildReport(
    epoch: number,
    cost: number,
    accuracy: number | undefined,
    net: DenseGraph,
    elapsedMs: number,
  ): EpochReport {
    const gradientNorms = net.parameters.map(({ W, b }) => layerGradientNorm(W.grad!, b.grad!));
    if (!gradientNorms.every(Number.isFinite)) throw new TrainingDivergedError(epoch, 'a gradient');
    const report: { -readonly [K in keyof EpochReport]: EpochReport[K] } = {
      epoch,
      cost,
      gradientNorms,
      elapsedMs,
    };
    if (accuracy !== undefined) report.accuracy = accuracy;

    const validation = this.split.validation;
    if (validation) {
      const [validationCost, validationAccuracy] = this.evaluate(validation);
      if (!Number.isFinite(validationCost))
        throw new TrainingDivergedError(epoch, 'the validation cost');
      report.validationCost = validationCost;
      if (validationAccuracy !== undefined) report.validationAccuracy = validationAccuracy;
    }
    return report;
  }

  /** Cost (l2 included) and accuracy of the current weights on `data`, batch by batch. */
  private evaluate(data: TrainingData): [number, number | undefined] {
    const rows = data.inputs.rows;
    const classification = isClassificationLoss(this.definition.loss);
    let costSum = 0;
    let correct = 0;
    let counted = 0;
    for (let from = 0; from < rows; from += this.batchRows) {
      const count = Math.min(this.batchRows, rows - from);
      const net = this.graphFor(count);
      const cols = data.inputs.cols;
      net.inputs.value.set(data.inputs.data.subarray(from * cols, (from + count) * cols));
      const outCols = data.targets.cols;
      net.targets!.value.set(data.targets.data.subarray(from * outCols, (from + count) * outCols));
      net.graph.forward();
      costSum += net.cost!.value[0] * count;
      if (classification) {
        const [right, total] = countCorrect(
          this.definition.loss,
          net.outputs.value,
          net.targets!.value,
          count,
          outCols,
        );
        correct += right;
        counted += total;
      }
    }
    return [costSum / rows, classification ? correct / counted : undefined];
  }

  /** The graph recorded for batches of `rows` rows, recorded on first use. */
  private graphFor(rows: number): RecordedBatchGraph {
    let net = this.graphs.get(rows);
    if (!net) {
      const graph = new Graph(this.kernels);
      const dense = buildDenseGraph(graph, this.definition, this.layers, {
        rows,
        withTargets: true,
        l2: this.options.l2,
      });
      const gradients = dense.parameters.flatMap(({ W, b }) => [W.grad!, b.grad!]);
      net = { ...dense, graph, gradients };
      this.graphs.set(rows, net);
    }
    return net;
  }

  private saveBoundaryState(): void {
    this.boundary.parameters = this.parameters.map((block) => block.slice());
    this.boundary.optimizer = this.optimizer.state();
  }

  /** Rolls back to the last boundary, so the result holds only finished epochs. */
  private stopMidEpoch(
    reason: 'cancelled' | 'suspended' | 'timeLimit',
    seconds?: number,
  ): TrainingResult {
    const boundary = this.boundary;
    if (boundary.parameters) {
      this.parameters.forEach((block, index) => block.set(boundary.parameters![index]));
      this.optimizer.restore(boundary.optimizer!);
    }
    this.random.restore(boundary.random);
    if (reason === 'timeLimit' && boundary.epoch === 0) throw new TimeLimitExceededError(seconds!);
    return this.finish(reason);
  }

  private finish(stopReason: TrainingResult['stopReason']): TrainingResult {
    const best = this.tracker.current;
    const checkpoint = this.checkpoint();
    const layers = cloneParameters(this.layers);
    if (stopReason === 'earlyStopping' && best?.parameters) {
      // The result carries the best epoch's weights; the trainer's own state (and checkpoint)
      // stays at the last epoch it trained.
      layers.forEach(({ W, b }, index) => {
        W.data.set(best.parameters![2 * index]);
        b.data.set(best.parameters![2 * index + 1]);
      });
      return {
        stopReason,
        epoch: best.epoch,
        cost: best.cost,
        bestEpoch: best.epoch,
        layers,
        checkpoint,
      };
    }
    return {
      stopReason,
      epoch: this.boundary.epoch,
      cost: this.boundary.cost,
      bestEpoch: best?.epoch ?? null,
      layers,
      checkpoint,
    };
  }

  private restore(checkpoint: TrainingCheckpoint): void {
    if (checkpoint.parameters.length !== this.parameters.length) {
      throw new EngineError('CHECKPOINT_MISMATCH', 'the checkpoint holds a different network');
    }
    this.parameters.forEach((block, index) => {
      if (checkpoint.parameters[index].length !== block.length) {
        throw new EngineError('CHECKPOINT_MISMATCH', 'the checkpoint holds a different network');
      }
      block.set(checkpoint.parameters[index]);
    });
    this.optimizer.restore(checkpoint.optimizer);
    this.random.restore(checkpoint.random);
    this.boundary = {
      epoch: checkpoint.epoch,
      cost: checkpoint.cost,
      parameters: null,
      optimizer: null,
      random: checkpoint.random,
      elapsedMs: checkpoint.elapsedMs,
    };
  }
}
