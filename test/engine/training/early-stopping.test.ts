import { describe, expect, it } from 'vitest';
import { BestEpochTracker } from '../../../src/engine/training/early-stopping.js';

const noParameters: Float64Array[] = [];

/** Feeds the values as epochs 1, 2, … and returns the epoch at which a stop was asked for. */
function stopEpoch(tracker: BestEpochTracker, values: number[]): number | null {
  for (let index = 0; index < values.length; index++) {
    if (tracker.record(index + 1, values[index], values[index], noParameters)) return index + 1;
  }
  return null;
}

describe('BestEpochTracker', () => {
  it('counts only a fall of more than minDelta as an improvement', () => {
    const tracker = new BestEpochTracker(
      { patience: 2, minDelta: 0.1, keepParameters: false },
      null,
    );
    // 0.95 and 0.92 fall by less than 0.1 from 1, so they wait; 0.92 is the second wait.
    expect(stopEpoch(tracker, [1, 0.95, 0.92, 0.5])).toBe(3);
    expect(tracker.current).toMatchObject({ epoch: 1, value: 1, wait: 2 });
  });

  it('resets the wait on an improvement and stops after patience epochs without one', () => {
    const tracker = new BestEpochTracker({ patience: 2, minDelta: 0, keepParameters: false }, null);
    expect(stopEpoch(tracker, [1, 1.1, 0.8, 0.9, 0.8, 0.7])).toBe(5);
    expect(tracker.current).toMatchObject({ epoch: 3, value: 0.8 });
  });

  it('stops at the first epoch without improvement when patience is 0', () => {
    const tracker = new BestEpochTracker({ patience: 0, minDelta: 0, keepParameters: false }, null);
    expect(stopEpoch(tracker, [1, 0.9, 0.9])).toBe(3);
  });

  it('keeps a copy of the best epoch’s parameters when asked, untouched by later changes', () => {
    const parameters = [Float64Array.of(1, 2)];
    const tracker = new BestEpochTracker({ patience: 5, minDelta: 0, keepParameters: true }, null);
    tracker.record(1, 0.5, 0.5, parameters);
    parameters[0][0] = 9;
    tracker.record(2, 0.7, 0.7, parameters);
    expect(Array.from(tracker.current!.parameters![0])).toEqual([1, 2]);
  });

  it('continues from a restored best-so-far', () => {
    const tracker = new BestEpochTracker(
      { patience: 2, minDelta: 0, keepParameters: false },
      { value: 0.5, epoch: 4, cost: 0.5, wait: 1, parameters: null },
    );
    expect(tracker.record(5, 0.6, 0.6, noParameters)).toBe(true);
  });
});
