import type { Limits } from '../config.js';
import { countParameters, outputSize, type NetworkDefinition } from '../engine/index.js';
import { LimitExceededError } from '../errors.js';

/**
 * How much main-thread work one prediction or gradient explanation may ask for. Both run on
 * the HTTP thread (no worker round trip), so they are bounded the way a handler must be.
 * Work is counted in rows × parameters: a forward pass does one multiply-add per weight and
 * one add per bias for every row. The engine's WASM kernels do several 10⁹ a second on one core
 * for networks of some width (784-128-10 on 8000 rows, 8·10⁸, takes about 0.12 s: see
 * bench/inference.bench.ts); narrow networks manage a few 10⁸, their per-op overhead dominating.
 */
export const INFERENCE_LIMITS = {
  /**
   * A prediction up to this much work runs in one synchronous pass (a few milliseconds).
   * Larger ones run in slices of about this size, yielding to the event loop between slices,
   * so other requests wait at most one slice.
   */
  predictSliceWork: 2 ** 24,
  /**
   * Most work of one prediction, a few tenths of a second of one core; more is 422
   * LIMIT_EXCEEDED.
   */
  predictMaxWork: 2 ** 30,
  /** Most output values of one prediction, so the JSON answer stays near the request limit. */
  predictMaxOutputValues: 5_000_000,
  /** Most work of one gradient explanation (a forward and a backward pass: about 3× a forward). */
  explainMaxWork: 2 ** 25,
  /**
   * Most values in the explained graph (inputs, every op's output, parameters); each is sent
   * twice.
   */
  explainMaxValues: 1_000_000,
} as const;

/** Refuses a prediction of `rows` rows that would hog the main thread or answer too much. */
export function checkPredictLimits(
  definition: NetworkDefinition,
  rows: number,
  limits: Limits,
): void {
  const parameters = countParameters(definition);
  const maxRows = Math.min(
    limits.datasetRows,
    Math.floor(INFERENCE_LIMITS.predictMaxWork / parameters),
    Math.floor(INFERENCE_LIMITS.predictMaxOutputValues / outputSize(definition)),
  );
  if (rows > maxRows) {
    throw new LimitExceededError(
      `rows per prediction for this network (${parameters} parameters)`,
      maxRows,
      rows,
      'inputs',
    );
  }
}

/**
 * Rows per synchronous slice of a prediction: a power of two, so the predictor's graphs are
 * reused.
 */
export function predictSliceRows(definition: NetworkDefinition): number {
  const rows = INFERENCE_LIMITS.predictSliceWork / countParameters(definition);
  return rows < 2 ? 1 : 2 ** Math.floor(Math.log2(rows));
}

/** Refuses a gradient explanation of `rows` rows that would cost or answer too much. */
export function checkExplainLimits(
  definition: NetworkDefinition,
  rows: number,
  withTargets: boolean,
): void {
  const parameters = countParameters(definition);
  const maxRowsForWork = Math.floor(INFERENCE_LIMITS.explainMaxWork / parameters);
  if (rows > maxRowsForWork) {
    throw new LimitExceededError(
      `rows per explanation for this network (${parameters} parameters)`,
      maxRowsForWork,
      rows,
      'inputs',
    );
  }

  const values = rows * valuesPerRow(definition, withTargets) + parameters;
  if (values > INFERENCE_LIMITS.explainMaxValues) {
    throw new LimitExceededError(
      'values in the explained graph',
      INFERENCE_LIMITS.explainMaxValues,
      values,
      'inputs',
    );
  }
}

/** Values a batch row adds to a dense training graph: its inputs, three per unit, its targets. */
function valuesPerRow(definition: NetworkDefinition, withTargets: boolean): number {
  const units = definition.layers.reduce((total, layer) => total + layer.units, 0);
  return definition.inputSize + 3 * units + (withTargets ? outputSize(definition) : 0);
}
