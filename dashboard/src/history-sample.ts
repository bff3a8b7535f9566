import { api } from './api.js';
import type { HistoryItem } from './types.js';

/** About how many points of a long job's past are drawn, and how many come in one request. */
const SAMPLED_POINTS = 1000;
const HISTORY_PAGE = 500;

/**
 * Draws the epochs a long job has already trained from a sample of its history (about
 * SAMPLED_POINTS of them, in a few requests) and resolves with the last epoch drawn; its event
 * stream then replays only what follows. Replaying every epoch of a million-epoch job would send
 * a million events before the curves were current.
 */
export async function drawHistorySample(
  jobId: string,
  trained: number,
  view: { draw(item: HistoryItem): void; stopped(): boolean },
): Promise<number> {
  const every = Math.ceil(trained / SAMPLED_POINTS);
  let drawnThrough = 0;
  for (;;) {
    const page = await api.getHistory(jobId, { after: drawnThrough, limit: HISTORY_PAGE, every });
    if (view.stopped()) return drawnThrough;
    for (const item of page.items) view.draw(item);
    if (page.items.length > 0) drawnThrough = page.items[page.items.length - 1].epoch;
    if (page.items.length < HISTORY_PAGE || page.nextAfter === null) return drawnThrough;
  }
}
