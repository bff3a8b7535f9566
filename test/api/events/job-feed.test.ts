import { describe, expect, it } from 'vitest';
import { JobFeed, statusVersion } from '../../../src/api/events/job-feed.js';
import type { HistoryItem, JobRecord } from '../../../src/storage/records.js';

const item = (epoch: number): HistoryItem => ({ epoch, cost: 1, gradientNorms: [], elapsedMs: 0 });
const items = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_value, index) => item(from + index));

function job(changes: Partial<JobRecord>): JobRecord {
  return {
    id: 'job_a',
    status: 'queued',
    attempts: 0,
    cancelRequested: false,
    epoch: 0,
    ...changes,
  } as JobRecord;
}

describe('JobFeed', () => {
  it('hands out the live epochs after a position, only when it holds the very next one', () => {
    const feed = new JobFeed('job_a', job({ status: 'running', attempts: 1 }));
    feed.addEpochs(items(11, 20));

    expect(feed.framesAfter(10, 100).map((frame) => frame.epoch)).toEqual(
      items(11, 20).map((i) => i.epoch),
    );
    expect(feed.framesAfter(14, 3).map((frame) => frame.epoch)).toEqual([15, 16, 17]);
    // 6 to 10 are not in memory: the database has them.
    expect(feed.framesAfter(5, 100)).toEqual([]);
    expect(feed.framesAfter(20, 100)).toEqual([]);
  });

  it('replaces the epochs a resumed attempt trains again instead of holding them twice', () => {
    const feed = new JobFeed('job_a', job({ status: 'running', attempts: 1 }));
    feed.addEpochs(items(1, 30));

    feed.addEpochs(items(21, 25)); // attempt 2 resumes from its checkpoint at epoch 20

    expect(feed.framesAfter(20, 100).map((frame) => frame.epoch)).toEqual([21, 22, 23, 24, 25]);
    expect(feed.framesAfter(25, 100)).toEqual([]);
  });

  it('formats each epoch once as an SSE frame whose id is the epoch', () => {
    const feed = new JobFeed('job_a', job({ status: 'running', attempts: 1 }));
    feed.addEpochs([{ epoch: 7, cost: 0.5, gradientNorms: [0.1], elapsedMs: 3 }]);

    expect(feed.framesAfter(6, 1)[0].frame.toString()).toBe(
      'id: 7\nevent: epoch\ndata: {"epoch":7,"cost":0.5,"gradientNorms":[0.1],"elapsedMs":3}\n\n',
    );
  });

  it('passes on a newer status once and ignores a stale one that arrives late', () => {
    const feed = new JobFeed('job_a', job({ status: 'running', attempts: 1 }));
    const seen: string[] = [];
    feed.listeners.add({
      notify: () => undefined,
      enqueueStatus: (next) => void seen.push(next.status),
    });

    feed.updateJob(job({ status: 'queued', attempts: 1 })); // suspended: back in the queue
    feed.updateJob(job({ status: 'queued', attempts: 1 })); // the same change, polled
    feed.updateJob(job({ status: 'running', attempts: 1 })); // a read from before the suspend
    feed.updateJob(job({ status: 'running', attempts: 2 }));
    feed.updateJob(job({ status: 'succeeded', attempts: 2, epoch: 40 }));

    expect(seen).toEqual(['queued', 'running', 'succeeded']);
    expect(feed.persistedThrough).toBe(40);
  });

  it('orders every state a job goes through', () => {
    const lifecycle = [
      job({ status: 'queued', attempts: 0 }),
      job({ status: 'running', attempts: 1 }),
      job({ status: 'running', attempts: 1, cancelRequested: true }),
      job({ status: 'queued', attempts: 1, cancelRequested: true }),
      job({ status: 'running', attempts: 2, cancelRequested: true }),
      job({ status: 'cancelled', attempts: 2, cancelRequested: true }),
    ];
    const versions = lifecycle.map(statusVersion);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });
});
