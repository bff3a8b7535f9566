import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Every JSON log line the process wrote to stdout so far, parsed. */
  readonly logs: Record<string, unknown>[];
}

/**
 * The service as its own process (`node --import tsx src/server.ts`), as a user starts it, so a
 * test can kill it with SIGKILL or stop it with SIGTERM. Resolves once it logged its URL.
 */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    // Info level at least: the start line carries the URL of the random port.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });

  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        logs.push(JSON.parse(line));
      } catch {
        return;
      }
      if (line.includes('chainrule started')) resolve(JSON.parse(line).url);
    });
    void exited.then((code) =>
      reject(new Error(`server exited (${code}) before it started: ${stderr}`)),
    );
  });
  return { child, url, exited, logs };
}
