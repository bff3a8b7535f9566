import type { Random } from '../random.js';
import type { InitializerName } from './definition.js';

/**
 * Fills a weight matrix of fanIn × fanOut in place, drawing from `random` in row-major order.
 * Scales follow TF.js's VarianceScaling: glorot* use the mean of fanIn and fanOut, he* use
 * fanIn with scale 2; *Uniform draws from ±√(3·scale/n), *Normal from a normal truncated at two
 * standard deviations with σ = √(scale/n).
 */
export function initializeWeights(
  name: InitializerName,
  values: Float64Array,
  fanIn: number,
  fanOut: number,
  random: Random,
): void {
  switch (name) {
    case 'glorotUniform':
      return fillUniform(values, Math.sqrt(3 / Math.max(1, (fanIn + fanOut) / 2)), random);
    case 'glorotNormal':
      return fillTruncatedNormal(values, Math.sqrt(1 / Math.max(1, (fanIn + fanOut) / 2)), random);
    case 'heUniform':
      return fillUniform(values, Math.sqrt((3 * 2) / Math.max(1, fanIn)), random);
    case 'heNormal':
      return fillTruncatedNormal(values, Math.sqrt(2 / Math.max(1, fanIn)), random);
    case 'randomUniform':
      return fillUniform(values, 0.05, random);
    case 'zeros':
      values.fill(0);
      return;
  }
}

function fillUniform(values: Float64Array, limit: number, random: Random): void {
  for (let i = 0; i < values.length; i++) values[i] = random.uniformBetween(-limit, limit);
}

function fillTruncatedNormal(values: Float64Array, stddev: number, random: Random): void {
  for (let i = 0; i < values.length; i++) values[i] = random.truncatedNormal(stddev);
}
