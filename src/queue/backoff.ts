import { toError } from '../errors.js';

/** First and longest pause between tries of a write that failed (the database is unreachable). */
export const RETRY_FIRST_MS = 250;
export const RETRY_MAX_MS = 5000;

/** The pauses between tries: 250 ms, doubling, at most 5 s. */
export function* backoffDelays(): Generator<number, never> {
  for (let delay = RETRY_FIRST_MS; ; delay = Math.min(2 * delay, RETRY_MAX_MS)) yield delay;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `write` until it succeeds, pausing longer after each failure; null once `giveUp()` says
 * so after a failure. Only for writes that are safe to repeat (fenced by the attempt number).
 */
export async function retryUntilWritten<T>(
  write: () => Promise<T>,
  options: { giveUp(): boolean; onError(error: Error): void },
): Promise<T | null> {
  for (const delay of backoffDelays()) {
    try {
      return await write();
    } catch (error) {
      if (options.giveUp()) return null;
      options.onError(toError(error));
      await sleep(delay);
    }
  }
  throw new Error('unreachable');
}
