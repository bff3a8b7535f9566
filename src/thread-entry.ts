import { fileURLToPath } from 'node:url';

/** A worker thread's entry module and the flags that load it. */
export interface ThreadEntry {
  readonly filename: string;
  readonly execArgv: string[];
}

/**
 * The entry module `relativePath` (without extension) next to the calling module's own build:
 * the `.js` file when running from dist/, the `.ts` file loaded through tsx when running from
 * source under tsx or vitest. `moduleUrl` is the caller's `import.meta.url`.
 */
export function threadEntry(moduleUrl: string, relativePath: string): ThreadEntry {
  const fromSource = moduleUrl.endsWith('.ts');
  return {
    filename: fileURLToPath(new URL(`${relativePath}.${fromSource ? 'ts' : 'js'}`, moduleUrl)),
    execArgv: fromSource ? [...process.execArgv, '--import', 'tsx'] : [...process.execArgv],
  };
}
