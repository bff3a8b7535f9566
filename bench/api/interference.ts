import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { finishedSampleJob } from './jobs.js';
import { median, startBuiltService, stopProcess } from './polls.js';

/**
 * Part 3 of `npm run bench:api`: what a busy core costs a poll, whatever keeps it busy. The built
 * service is pinned to CPU 0 and autocannon (this process) to the last CPU; a busy loop at idle
 * priority (SCHED_IDLE, as the training threads run) takes CPU 0, then the last CPU. Each row
 * gives requests/s of GET /v1/jobs/{id} and the service's own CPU time per request, read from
 * /proc. It separates what the service can change (how training shares its core) from what it
 * cannot (a core next to it that computes).
 */

const PHASE_SECONDS = Number(process.env.PHASE_SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

/** CPU time (user + system) of the thread `pid` (a process's main thread), in milliseconds. */
function threadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime (fields 14 and 15) in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function busyLoop(cpu: number): ChildProcess {
  return spawn(
    'taskset',
    ['-c', String(cpu), 'chrt', '--idle', '0', process.execPath, '-e', 'for (;;) {}'],
    { stdio: 'ignore' },
  );
}

function canPin(): boolean {
  const has = (command: string) => spawnSync(command, ['--version']).status === 0;
  return (
    process.platform === 'linux' && availableParallelism() >= 2 && has('taskset') && has('chrt')
  );
}

export async function measureInterference(): Promise<void> {
  console.log(
    '\n3. A busy core next to the polls (service on CPU 0, autocannon on the last CPU; ' +
      `a SCHED_IDLE busy loop; ${PHASE_SECONDS} s each, ${ROUNDS} rounds)`,
  );
  if (!canPin()) {
    console.log('  (skipped: needs Linux, two CPUs, taskset and chrt)');
    return;
  }
  const lastCpu = availableParallelism() - 1;
  const allCpus = `0-${lastCpu}`;
  execFileSync('taskset', ['-a', '-p', '-c', String(lastCpu), String(process.pid)], {
    stdio: 'ignore',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'chainrule-bench-'));
  const service = await startBuiltService(dataDir, { cpu: 0 });
  try {
    const job = await finishedSampleJob(service.base);
    const url = `${service.base}/v1/jobs/${job.id}`;
    // Warm-up: the freshly started service compiles its hot paths in the first thousand polls.
    await autocannon({ url, connections: 10, duration: 1 });

    const phases: [string, number | null][] = [
      ['no busy loop', null],
      ["busy loop on the service's CPU", 0],
      ["busy loop on the client's (the other) CPU", lastCpu],
    ];
    const runs = phases.map(() => ({ requestsPerSecond: [] as number[], cpuUs: [] as number[] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [, cpu]] of phases.entries()) {
        const loop = cpu === null ? null : busyLoop(cpu);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const cpuBefore = threadCpuMs(service.child.pid!);
        const result = await autocannon({ url, connections: 10, duration: PHASE_SECONDS });
        const cpuMs = threadCpuMs(service.child.pid!) - cpuBefore;
        loop?.kill('SIGKILL');
        runs[index].requestsPerSecond.push(result.requests.average);
        runs[index].cpuUs.push((cpuMs * 1000) / result.requests.total);
      }
    }

    console.log(`  ${'what'.padEnd(58)}   req/s   service CPU µs a request`);
    for (const [index, [label]] of phases.entries()) {
      console.log(
        [
          `  ${label.padEnd(58)}`,
          Math.round(median(runs[index].requestsPerSecond)).toLocaleString('en').padStart(7),
          median(runs[index].cpuUs).toFixed(1).padStart(26),
        ].join(' '),
      );
    }
    console.log('  (medians over the rounds)');
  } finally {
    await stopProcess(service.child);
    rmSync(dataDir, { recursive: true, force: true });
    execFileSync('taskset', ['-a', '-p', '-c', allCpus, String(process.pid)], { stdio: 'ignore' });
  }
}
