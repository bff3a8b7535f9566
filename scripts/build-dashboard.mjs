// `npm run build:dashboard`: bundles the dashboard (dashboard/) with esbuild into
// dist/dashboard/: index.html, and under assets/ the script, its lazily loaded chunks
// (Graphviz in WebAssembly is one), the styles and the icon, named by content hash.
// `--if-stale` builds only when a source the last build read is newer than that build.
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'dashboard');
export const dashboardOutput = join(root, 'dist/dashboard');

/** Builds into a fresh folder and swaps it in, so a server never sees half a build. */
export async function buildDashboard() {
  const esbuild = await import('esbuild');
  const staging = `${dashboardOutput}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });

  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: join(source, 'src/main.ts') },
    outdir: join(staging, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
  });

  const outputs = Object.entries(result.metafile.outputs);
  const script = outputs.find(
    ([, output]) => output.entryPoint && output.entryPoint.endsWith('src/main.ts'),
  );
  const styles = outputs.find(
    ([path]) => path.endsWith('.css') && basename(path).startsWith('main-'),
  );
  if (!script || !styles) throw new Error('esbuild produced no entry script or no stylesheet');

  const favicon = 'favicon.svg';
  await copyFile(join(source, favicon), join(staging, 'assets', favicon));
  const template = await readFile(join(source, 'index.html'), 'utf8');
  const assetPath = ([path]) =>
    relative(join(staging, 'assets'), join(root, path)).split('\\').join('/');
  await writeFile(
    join(staging, 'index.html'),
    template
      .replace('%SCRIPT%', assetPath(script))
      .replace('%STYLES%', assetPath(styles))
      .replace('%FAVICON%', favicon),
  );

  const inputs = [
    ...Object.keys(result.metafile.inputs),
    'dashboard/index.html',
    'dashboard/favicon.svg',
  ];
  await writeFile(join(staging, 'build.json'), `${JSON.stringify({ inputs }, null, 2)}\n`);

  const previous = `${dashboardOutput}.previous-${process.pid}`;
  await rename(dashboardOutput, previous).catch(() => undefined);
  try {
    await rename(staging, dashboardOutput);
  } catch (error) {
    // Another build swapped its own in meanwhile: same sources, so keep that one.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await rm(staging, { recursive: true, force: true });
  }
  await rm(previous, { recursive: true, force: true });
}

/** True when there is no build, or a file the last build read changed (or vanished) since. */
export async function isDashboardStale() {
  let manifest;
  let builtAt;
  try {
    const path = join(dashboardOutput, 'build.json');
    manifest = JSON.parse(await readFile(path, 'utf8'));
    builtAt = (await stat(path)).mtimeMs;
  } catch {
    return true;
  }
  for (const input of manifest.inputs) {
    const changed = await stat(join(root, input)).then(
      (info) => info.mtimeMs > builtAt,
      () => true,
    );
    if (changed) return true;
  }
  return false;
}

/** Builds when stale; says so on stderr, since it takes a moment. */
export async function ensureDashboard() {
  if (!(await isDashboardStale())) return false;
  process.stderr.write('chainrule: building the dashboard (npm run build:dashboard)…\n');
  await buildDashboard();
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ifStale = process.argv.includes('--if-stale');
  await mkdir(join(root, 'dist'), { recursive: true });
  if (ifStale) await ensureDashboard();
  else await buildDashboard();
}
