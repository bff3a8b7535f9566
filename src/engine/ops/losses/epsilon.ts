/**
 * TF.js's fuzz factor (its float32 backend epsilon). The cross-entropies clip probabilities to
 * [EPSILON, 1 − EPSILON] before taking logarithms, exactly as TF.js does, so that a saturated
 * output costs a large but finite amount instead of Infinity; inside the clip range the value
 * and gradient are the exact ones, outside it the gradient is 0 (the clip's own derivative).
 */
export const EPSILON = 1e-7;

export function clipProbability(p: number): number {
  return p < EPSILON ? EPSILON : p > 1 - EPSILON ? 1 - EPSILON : p;
}

export function isInsideClip(p: number): boolean {
  return p >= EPSILON && p <= 1 - EPSILON;
}
