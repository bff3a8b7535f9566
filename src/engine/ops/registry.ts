import type { Op } from '../graph/op.js';
import { add } from './add.js';
import { biasAdd } from './bias-add.js';
import { exp } from './exp.js';
import { leakyRelu } from './leaky-relu.js';
import { linear } from './linear.js';
import { log } from './log.js';
import { binaryCrossentropy } from './losses/binary-crossentropy.js';
import { categoricalCrossentropy } from './losses/categorical-crossentropy.js';
import { meanSquaredError } from './losses/mean-squared-error.js';
import { matmul } from './matmul.js';
import { mean } from './mean.js';
import { multiply } from './multiply.js';
import { relu } from './relu.js';
import { scale } from './scale.js';
import { sigmoid } from './sigmoid.js';
import { softmax } from './softmax.js';
import { subtract } from './subtract.js';
import { sum } from './sum.js';
import { tanh } from './tanh.js';

/** Every op the engine can record. Adding an op means adding its module and one entry here. */
export const OPS = [
  matmul,
  biasAdd,
  add,
  subtract,
  multiply,
  scale,
  sigmoid,
  tanh,
  relu,
  leakyRelu,
  linear,
  softmax,
  exp,
  log,
  sum,
  mean,
  meanSquaredError,
  binaryCrossentropy,
  categoricalCrossentropy,
] as const;

export type OpName = (typeof OPS)[number]['name'];

export const opRegistry: ReadonlyMap<string, Op<never>> = new Map(
  OPS.map((op) => [op.name, op as Op<never>]),
);

export {
  add,
  biasAdd,
  binaryCrossentropy,
  categoricalCrossentropy,
  exp,
  leakyRelu,
  linear,
  log,
  matmul,
  mean,
  meanSquaredError,
  multiply,
  relu,
  scale,
  sigmoid,
  softmax,
  subtract,
  sum,
  tanh,
};
