import type { EpochReport } from '../src/engine/index.js';

/**
 * Epoch reports on their way from a training worker to the main thread: one Float64Array of
 * fixed-size records, transferred rather than cloned. Structured cloning a report object (and
 * its array of gradient norms) cost each side about a microsecond; for a tiny job its hundred
 * reports were a third of the service's overhead, and for a job with microsecond epochs the
 * clones took more of the main thread than storing the rows did.
 *
 * A record is: epoch, cost, validationCost, accuracy, validationAccuracy, elapsedMs, then one
 * gradient norm per layer. NaN marks an absent optional value; present values are finite.
 */
export interface ReportBatch {
  /** Gradient norms per record: the network's layer count. */
  readonly layers: number;
  readonly count: number;
  /** `count` records of FIXED_FIELDS + layers values each (the buffer may be longer). */
  readonly values: Float64Array;
}

const FIXED_FIELDS = 6;

/** Collects reports in the worker; `take` hands them over and starts a new batch. */
export class ReportBatchBuilder {
  private values: Float64Array;
  private count = 0;
  private readonly stride: number;

  constructor(
    private readonly layers: number,
    private readonly initialCapacity = 128,
  ) {
    this.stride = FIXED_FIELDS + layers;
    this.values = new Float64Array(initialCapacity * this.stride);
  }

  get size(): number {
    return this.count;
  }

  push(report: EpochReport): void {
    const { stride } = this;
    if ((this.count + 1) * stride > this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    const values = this.values;
    const at = this.count * stride;
    values[at] = report.epoch;
    values[at + 1] = report.cost;
    values[at + 2] = report.validationCost ?? NaN;
    values[at + 3] = report.accuracy ?? NaN;
    values[at + 4] = report.validationAccuracy ?? NaN;
    values[at + 5] = report.elapsedMs;
    for (let layer = 0; layer < this.layers; layer++) {
      values[at + FIXED_FIELDS + layer] = report.gradientNorms[layer] ?? NaN;
    }
    this.count++;
  }

  /** The reports collected so far; their buffer is the caller's to transfer. */
  take(): ReportBatch {
    const batch = { layers: this.layers, count: this.count, values: this.values };
    this.values = new Float64Array(Math.max(this.initialCapacity, this.count) * this.stride);
    this.count = 0;
    return batch;
  }
}

/**
 * The reports of a batch from a worker, checked like any input that crosses a boundary: epochs
 * rise, costs are finite, times are not negative. Throws a message naming the first bad record.
 */
export function decodeReportBatch(batch: unknown): EpochReport[] {
  if (!isBatchShape(batch)) throw new Error('must be a report batch');
  const { layers, count, values } = batch;
  const stride = FIXED_FIELDS + layers;
  const reports: EpochReport[] = new Array(count);
  let previousEpoch = 0;
  for (let index = 0; index < count; index++) {
    const at = index * stride;
    const epoch = values[at];
    const cost = values[at + 1];
    const elapsedMs = values[at + 5];
    if (!Number.isSafeInteger(epoch) || epoch <= previousEpoch) {
      throw new Error(`record ${index}: epoch must increase`);
    }
    if (!Number.isFinite(cost)) throw new Error(`record ${index}: cost must be finite`);
    if (!(elapsedMs >= 0)) throw new Error(`record ${index}: elapsedMs must be ≥ 0`);
    const gradientNorms = new Array<number>(layers);
    for (let layer = 0; layer < layers; layer++)
      gradientNorms[layer] = values[at + FIXED_FIELDS + layer];

    const report: {
      epoch: number;
      cost: number;
      validationCost?: number;
      accuracy?: number;
      validationAccuracy?: number;
      gradientNorms: number[];
      elapsedMs: number;
    } = { epoch, cost, gradientNorms, elapsedMs };
    const validationCost = optionalValue(values[at + 2], index, 'validationCost');
    const accuracy = optionalValue(values[at + 3], index, 'accuracy');
    const validationAccuracy = optionalValue(values[at + 4], index, 'validationAccuracy');
    if (validationCost !== undefined) report.validationCost = validationCost;
    if (accuracy !== undefined) report.accuracy = accuracy;
    if (validationAccuracy !== undefined) report.validationAccuracy = validationAccuracy;
    reports[index] = report;
    previousEpoch = epoch;
  }
  return reports;
}

function optionalValue(value: number, index: number, field: string): number | undefined {
  if (Number.isNaN(value)) return undefined;
  if (!Number.isFinite(value)) throw new Error(`record ${index}: ${field} must be finite`);
  return value;
}

function isBatchShape(value: unknown): value is ReportBatch {
  if (typeof value !== 'object' || value === null) return false;
  const { layers, count, values } = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(layers) &&
    (layers as number) >= 0 &&
    Number.isSafeInteger(count) &&
    (count as number) >= 0 &&
    values instanceof Float64Array &&
    (count as number) * (FIXED_FIELDS + (layers as number)) <= values.length
  );
}
