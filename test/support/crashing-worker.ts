import trainJob from '../../workers/train-job.js';
import type { TrainTask } from '../../workers/protocol.js';

/**
 * A training worker with planted faults, for crash tests. Jobs of 13 epochs kill their thread on
 * their first attempt (as an out-of-memory abort would); jobs of 17 epochs always throw (a bug).
 * Every other job trains normally.
 */
export default function crashingTrainJob(task: TrainTask) {
  if (task.training.epochs === 13 && task.attempt === 1) process.exit(70);
  if (task.training.epochs === 17) throw new Error('planted bug in the training worker');
  return trainJob(task);
}
