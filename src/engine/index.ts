/**
 * Chainrule's engine: reverse-mode automatic differentiation over recorded graphs of 2-D
 * float64 matrices, dense networks, initializers, optimizers and a deterministic training loop.
 * Pure computation: no I/O, no logging, no knowledge of jobs or HTTP.
 */
export {
  EngineError,
  InvalidArgumentError,
  ShapeMismatchError,
  TrainingDivergedError,
} from './errors.js';
export { cloneMatrix, matrixFromRows, matrixToRows, zerosMatrix, type Matrix } from './matrix.js';
export { Random, type RandomState } from './random.js';
export { createWasmKernels, defaultKernels, jsKernels, type Kernels } from './kernels/index.js';
export { Graph } from './graph/graph.js';
export { Node } from './graph/node.js';
export type { Op } from './graph/op.js';
export { OPS, opRegistry } from './ops/registry.js';
export { DEFAULT_LEAKY_RELU_ALPHA } from './ops/leaky-relu.js';
export {
  ACTIVATIONS,
  INITIALIZERS,
  LOSSES,
  countParameters,
  isClassificationLoss,
  outputSize,
  type ActivationName,
  type InitializerName,
  type LayerParameters,
  type LayerSpec,
  type LossName,
  type NetworkDefinition,
} from './network/definition.js';
export { buildDenseGraph } from './network/build-graph.js';
export {
  checkParameterShapes,
  initializeParameters,
  validateNetwork,
} from './network/parameters.js';
export {
  OPTIMIZERS,
  OPTIMIZER_DEFAULTS,
  createOptimizer,
  resolveOptimizerConfig,
  type OptimizerConfig,
  type OptimizerName,
  type ResolvedOptimizerConfig,
} from './optimizers/registry.js';
export {
  resolveTrainingOptions,
  type EarlyStoppingOptions,
  type ResolvedTrainingOptions,
  type TrainingOptions,
} from './training/options.js';
export {
  Trainer,
  TimeLimitExceededError,
  type ControlSignal,
  type EpochReport,
  type StopReason,
  type TrainerInit,
  type TrainingHooks,
  type TrainingResult,
} from './training/trainer.js';
export type { TrainingData } from './training/data-split.js';
export {
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainingCheckpoint,
} from './training/checkpoint.js';
export { createPredictor, type Predictor } from './inference/predict.js';
export {
  explainGradients,
  type ExplainRequest,
  type GradientExplanation,
} from './inference/explain.js';
export {
  describeGraph,
  describeNetworkGraph,
  graphToDot,
  type GraphDescription,
  type GraphNodeDescription,
} from './inference/describe.js';
