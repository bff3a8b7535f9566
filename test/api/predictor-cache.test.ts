import { describe, expect, it } from 'vitest';
import { PredictorCache, type ModelPredictor } from '../../src/api/predictor-cache.js';
import type { Predictor } from '../../src/engine/index.js';

/** A stand-in predictor of a given size: the cache only reads footprintBytes. */
function sized(footprintBytes: number, epoch = 1): ModelPredictor {
  return { predictor: { footprintBytes } as Predictor, epoch };
}

describe('PredictorCache', () => {
  it('builds once per key and version and answers later requests from memory', async () => {
    const cache = new PredictorCache({ maxEntries: 4, maxBytes: 1000 });
    let builds = 0;
    const build = async () => {
      builds++;
      return sized(10);
    };

    const first = await cache.get('job_a', 'v1', build);
    const second = await cache.get('job_a', 'v1', build);

    expect(second.predictor).toBe(first.predictor);
    expect(builds).toBe(1);
  });

  it('shares one build between concurrent misses', async () => {
    const cache = new PredictorCache({ maxEntries: 4, maxBytes: 1000 });
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return sized(10);
    };

    const [a, b] = await Promise.all([
      cache.get('job_a', 'v1', build),
      cache.get('job_a', 'v1', build),
    ]);

    expect(a.predictor).toBe(b.predictor);
    expect(builds).toBe(1);
  });

  it('replaces the entry of a key when its version changes', async () => {
    const cache = new PredictorCache({ maxEntries: 4, maxBytes: 1000 });
    await cache.get('job_a', 'v1', async () => sized(10, 1));

    const rebuilt = await cache.get('job_a', 'v2', async () => sized(30, 2));

    expect(rebuilt.epoch).toBe(2);
    expect(cache.stats).toEqual({ entries: 1, bytes: 30 });
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new PredictorCache({ maxEntries: 2, maxBytes: 1000 });
    await cache.get('job_a', 'v', async () => sized(1));
    await cache.get('job_b', 'v', async () => sized(1));
    await cache.get('job_a', 'v', async () => sized(1)); // a is now the most recent

    await cache.get('job_c', 'v', async () => sized(1));

    // Checked in an order where each lookup leaves the others in place: b is checked last.
    let rebuilt: string[] = [];
    for (const key of ['job_a', 'job_c', 'job_b']) {
      await cache.get(key, 'v', async () => {
        rebuilt = [...rebuilt, key];
        return sized(1);
      });
    }
    expect(rebuilt).toEqual(['job_b']);
  });

  it('evicts coldest entries until the bytes fit, never keeping one over maxBytes', async () => {
    const cache = new PredictorCache({ maxEntries: 10, maxBytes: 100 });
    await cache.get('job_a', 'v', async () => sized(40));
    await cache.get('job_b', 'v', async () => sized(40));

    await cache.get('job_c', 'v', async () => sized(50));
    expect(cache.stats).toEqual({ entries: 2, bytes: 90 });

    const huge = await cache.get('job_d', 'v', async () => sized(101));
    expect(huge.predictor.footprintBytes).toBe(101);
    expect(cache.stats).toEqual({ entries: 2, bytes: 90 });
  });

  it('does not cache a failed build', async () => {
    const cache = new PredictorCache({ maxEntries: 4, maxBytes: 1000 });

    await expect(
      cache.get('job_a', 'v', async () => {
        throw new Error('no model');
      }),
    ).rejects.toThrow('no model');
    const built = await cache.get('job_a', 'v', async () => sized(10, 7));

    expect(built.epoch).toBe(7);
  });
});
