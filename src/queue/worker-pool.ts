import { Piscina } from 'piscina';
import type { TrainOutcome, TrainTask } from '../../workers/protocol.js';
import { threadEntry, type ThreadEntry } from '../thread-entry.js';

/** The training threads: a piscina pool that runs one job per thread at a time. */
export interface WorkerPool {
  readonly size: number;
  run(task: TrainTask, transferList: Transferable[]): Promise<unknown>;
  /** Threads currently running a task. */
  busy(): number;
  isUsable(): boolean;
  destroy(): Promise<void>;
}

type Transferable = ArrayBuffer | import('node:worker_threads').MessagePort;

/** The training threads' entry point: workers/train-job (see threadEntry). */
export function defaultWorkerFile(): ThreadEntry {
  return threadEntry(import.meta.url, '../../workers/train-job');
}

export function createWorkerPool(
  size: number,
  worker = defaultWorkerFile(),
  heapMb = 2048,
): WorkerPool {
  const pool = new Piscina({
    filename: worker.filename,
    execArgv: worker.execArgv,
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    // A runaway heap kills its own thread (the attempt fails and is retried), not the process.
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
    idleTimeout: Number.POSITIVE_INFINITY,
    // The dispatcher never submits more tasks than threads, so nothing should ever wait here.
    maxQueue: size,
  });
  let destroyed = false;
  let running = 0;

  return {
    size,
    async run(task, transferList) {
      running++;
      try {
        return (await pool.run(task, { transferList: transferList as never })) as TrainOutcome;
      } finally {
        running--;
      }
    },
    busy: () => running,
    isUsable: () => !destroyed && pool.threads.length > 0,
    async destroy() {
      destroyed = true;
      await pool.destroy();
    },
  };
}
