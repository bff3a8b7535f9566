import { describe, expect, it } from 'vitest';
import type { EpochReport } from '../../src/engine/index.js';
import { ReportBatchBuilder, decodeReportBatch } from '../../workers/report-batch.js';

const report = (epoch: number, extra: Partial<EpochReport> = {}): EpochReport => ({
  epoch,
  cost: 1 / epoch,
  gradientNorms: [epoch * 0.5, epoch * 0.25],
  elapsedMs: epoch * 0.01,
  ...extra,
});

describe('report batches between a worker and the main thread', () => {
  it('carry every report field through a structured clone, optional ones only when set', () => {
    const builder = new ReportBatchBuilder(2, 2);
    const reports = [
      report(1),
      report(2, { validationCost: 0.7, accuracy: 0.5, validationAccuracy: 0.25 }),
      // More than the initial capacity: the builder grows.
      ...Array.from({ length: 300 }, (_, index) => report(index + 3, { accuracy: 0 })),
    ];
    for (const item of reports) builder.push(item);

    const batch = structuredClone(builder.take());

    expect(decodeReportBatch(batch)).toEqual(reports);
    expect(builder.size).toBe(0);
    expect(decodeReportBatch(builder.take())).toEqual([]);
  });

  it('start afresh after take: the buffer handed over is never written again', () => {
    const builder = new ReportBatchBuilder(2);
    builder.push(report(1));
    const first = builder.take();
    builder.push(report(2));
    const second = builder.take();

    expect(decodeReportBatch(first)).toEqual([report(1)]);
    expect(decodeReportBatch(second)).toEqual([report(2)]);
  });

  it.each([
    ['an epoch that does not increase', [report(2), report(2)], 'record 1: epoch must increase'],
    ['a cost that is not finite', [report(1, { cost: Infinity })], 'record 0: cost must be finite'],
    ['a negative time', [report(1, { elapsedMs: -1 })], 'record 0: elapsedMs must be ≥ 0'],
    [
      'an infinite validation cost',
      [report(1), report(2, { validationCost: -Infinity })],
      'record 1: validationCost must be finite',
    ],
  ])('are refused, naming the record, for %s', (_, reports, message) => {
    const builder = new ReportBatchBuilder(2);
    for (const item of reports) builder.push(item);
    expect(() => decodeReportBatch(builder.take())).toThrow(message);
  });

  it('are refused when they are not batches or claim more records than they hold', () => {
    expect(() => decodeReportBatch([report(1)])).toThrow('must be a report batch');
    expect(() =>
      decodeReportBatch({ layers: 2, count: 3, values: new Float64Array(8 * 2) }),
    ).toThrow('must be a report batch');
  });
});
