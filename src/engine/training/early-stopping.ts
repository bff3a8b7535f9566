import type { BestSoFar } from './checkpoint.js';

export interface MonitorOptions {
  readonly patience: number;
  readonly minDelta: number;
  readonly keepParameters: boolean;
}

/**
 * Tracks the best epoch by the monitored cost and decides early stops the way TF.js's
 * EarlyStopping callback does: an epoch improves when value + minDelta < best, i.e. when it
 * lowers the cost by more than minDelta; otherwise the wait grows, and training stops once it
 * reaches `patience`.
 */
export class BestEpochTracker {
  private best: BestSoFar | null;

  constructor(
    private readonly options: MonitorOptions,
    restored: BestSoFar | null,
  ) {
    this.best = restored;
  }

  get current(): BestSoFar | null {
    return this.best;
  }

  /** Records an epoch; returns true when early stopping should end training after it. */
  record(epoch: number, value: number, cost: number, parameters: readonly Float64Array[]): boolean {
    // TF.js negates minDelta for a monitor that must fall and tests current − minDelta < best,
    // which is current + |minDelta| < best. Subtracting it instead would count an epoch up to
    // minDelta worse than the best as an improvement, so a plateau would never stop.
    const improved = this.best === null || value + this.options.minDelta < this.best.value;
    if (improved) {
      this.best = {
        value,
        epoch,
        cost,
        wait: 0,
        parameters: this.options.keepParameters ? parameters.map((block) => block.slice()) : null,
      };
      return false;
    }
    this.best = { ...this.best!, wait: this.best!.wait + 1 };
    return this.best.wait >= this.options.patience;
  }
}
