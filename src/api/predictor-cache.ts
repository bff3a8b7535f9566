import type { Predictor } from '../engine/index.js';

export interface PredictorCacheOptions {
  /** Most predictors kept. */
  readonly maxEntries: number;
  /** Most bytes kept, by the predictors' own upper bounds (Predictor.footprintBytes). */
  readonly maxBytes: number;
}

/** A trained model ready to predict, and the epoch whose weights it holds. */
export interface ModelPredictor {
  readonly predictor: Predictor;
  readonly epoch: number;
}

interface Entry extends ModelPredictor {
  readonly version: string;
}

/**
 * Predictors of trained models kept in memory between requests, keyed by job id: a hit skips
 * reading the weights from the database and recording graphs. Least recently used entries are
 * evicted first once either bound is passed. A predictor larger than `maxBytes` on its own is
 * built for its request and not kept.
 */
export class PredictorCache {
  // A Map iterates in insertion order; re-inserting on every hit keeps the coldest entry first.
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<ModelPredictor>>();
  private bytes = 0;

  constructor(private readonly options: PredictorCacheOptions) {}

  /**
   * The predictor cached for `key` at `version`, or the one `build` makes, which is then cached
   * (replacing any other version of the key). Concurrent misses for the same key and version
   * share one build; a build that fails is not cached.
   */
  async get(
    key: string,
    version: string,
    build: () => Promise<ModelPredictor>,
  ): Promise<ModelPredictor> {
    const cached = this.entries.get(key);
    if (cached?.version === version) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }

    const buildKey = `${key}\u0000${version}`;
    let pending = this.building.get(buildKey);
    if (!pending) {
      pending = build()
        .then((built) => {
          this.remember(key, { ...built, version });
          return built;
        })
        .finally(() => this.building.delete(buildKey));
      this.building.set(buildKey, pending);
    }
    return pending;
  }

  /** Entries and the bytes they account for. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  private remember(key: string, entry: Entry): void {
    this.forget(key);
    if (entry.predictor.footprintBytes > this.options.maxBytes) return;

    this.entries.set(key, entry);
    this.bytes += entry.predictor.footprintBytes;
    for (const coldest of this.entries.keys()) {
      if (this.entries.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes)
        break;
      this.forget(coldest);
    }
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.predictor.footprintBytes;
  }
}
