import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much nicer than the main thread a training thread is (the scale is 0 to 19). */
export const TRAINING_NICENESS = 10;

/** How a training thread was made to yield the CPU to the main thread. */
export type ThreadPriority = 'idle' | 'nice' | 'normal';

/**
 * Makes the calling (worker) thread yield the CPU to the main thread, which answers requests.
 *
 * On Linux a nice value is per thread, so a higher one lowers only this thread. A nice value
 * alone still lets a training thread finish its time slice before a woken main thread runs, and
 * a poll waits for it: the thread is also moved to SCHED_IDLE, which the kernel preempts as soon
 * as any normal thread wakes, and which otherwise trains at full speed. Node has no call for
 * that, so `chrt` (util-linux) sets it on this thread's id; without `chrt` the nice value stays.
 * Elsewhere setpriority would lower the whole process, main thread included: left alone there.
 *
 * Known shortcoming: the yield is per core, and a core that computes slows the answers of its
 * neighbours too. In `npm run bench:api` (part 3) an idle-priority busy loop on the service's own
 * core costs polls nothing, while the same loop on the client's core costs them a large share;
 * with both cores training, polls run well below a bare route's rate (part 1).
 */
export function yieldToMainThread(): ThreadPriority {
  if (process.platform !== 'linux') return 'normal';
  try {
    setPriority(Math.min(19, getPriority() + TRAINING_NICENESS));
  } catch {
    // Not permitted (some sandboxes): train at normal priority.
    return 'normal';
  }
  try {
    // '/proc/thread-self' links to '<pid>/task/<tid>' of the thread that reads it.
    const threadId = readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('chrt', ['--idle', '--pid', '0', threadId], { stdio: 'ignore', timeout: 2000 });
    return 'idle';
  } catch {
    return 'nice';
  }
}
