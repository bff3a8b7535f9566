import trainJob from '../../workers/train-job.js';
import type { TrainTask } from '../../workers/protocol.js';

/**
 * A training worker with planted faults, for crash tests. Jobs of 13 epochs kill their thread on
 * their first attempt (as an out-of-memory abort would); jobs of 17 epochs always throw (a bug).
 * jobs of 19 epochs run out of heap on their first attempt. Every other job trains normally.
 */
export default function crashingTrainJob(task: TrainTask) {
  if (task.training.epochs === 13 && task.attempt === 1) process.exit(70);
  if (task.training.epochs === 17) throw new Error('planted bug in the training worker');
  if (task.training.epochs === 19 && task.attempt === 1) exhaustHeap();
  return trainJob(task);
}

/** Allocates reachable objects until the thread's heap limit (WORKER_HEAP_MB) kills it. */
function exhaustHeap(): never {
  const hoard: unknown[] = [];
  for (;;) hoard.push(Array.from({ length: 1024 }, (_, index) => ({ index })));
}
