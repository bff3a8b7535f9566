// `npm start`: builds when the compiled output or the dashboard bundle is missing or older than
// its sources, then runs the service. A fresh clone needs nothing else: npm install built the
// WebAssembly kernel.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist/src/server.js');

function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(join(root, 'src/engine/kernels/wasm/gemm-wasm.generated.ts'))) {
  run(process.execPath, ['scripts/build-wasm.mjs']);
}
const stale =
  !existsSync(entry) ||
  Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'workers'))) >
    statSync(entry).mtimeMs;
if (stale) {
  console.error('chainrule: building (npm run build)…');
  run(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
}

// The dashboard is built by esbuild, a development dependency: without it the API still runs.
try {
  const { ensureDashboard } = await import('./build-dashboard.mjs');
  await ensureDashboard();
} catch (error) {
  console.error(
    `chainrule: the dashboard could not be built (${error.message}); the API runs without it`,
  );
}

await import(entry);
