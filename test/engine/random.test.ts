import { describe, expect, it } from 'vitest';
import { Random } from '../../src/engine/index.js';

const draw = (random: Random, count: number) =>
  Array.from({ length: count }, () => random.uniform());

describe('Random', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    expect(draw(new Random(42), 50)).toEqual(draw(new Random(42), 50));
    expect(draw(new Random(42), 50)).not.toEqual(draw(new Random(43), 50));
  });

  it('continues exactly where a saved state left off', () => {
    const original = new Random(7);
    draw(original, 13);
    const restored = Random.fromState(original.state());
    expect(draw(restored, 50)).toEqual(draw(original, 50));
  });

  it('keeps its state through JSON, as a checkpoint header stores it', () => {
    const original = new Random(8);
    draw(original, 5);
    const restored = Random.fromState(JSON.parse(JSON.stringify(original.state())));
    expect(draw(restored, 20)).toEqual(draw(original, 20));
  });

  it('draws uniforms in [0, 1) with mean near 1/2', () => {
    const values = draw(new Random(1), 20_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((total, value) => total + value, 0) / values.length;
    // The standard error of the mean is √(1/12/20000) ≈ 0.002.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('draws standard normals with mean 0 and deviation 1', () => {
    const random = new Random(2);
    const values = Array.from({ length: 20_000 }, () => random.normal());
    const mean = values.reduce((total, value) => total + value, 0) / values.length;
    const variance =
      values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.03);
  });

  it('draws every integer below the bound and none outside it', () => {
    const random = new Random(3);
    const seen = new Set(Array.from({ length: 1000 }, () => random.integerBelow(7)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('shuffles into a permutation', () => {
    const indices = Uint32Array.from({ length: 100 }, (_, index) => index);
    new Random(4).shuffle(indices);
    const identity = Array.from({ length: 100 }, (_, index) => index);
    expect(Array.from(indices).sort((a, b) => a - b)).toEqual(identity);
    expect(Array.from(indices)).not.toEqual(identity);
  });
});
