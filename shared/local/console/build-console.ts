/**
 * Builds the console (console/, Vite + Preact) into console/dist, once per source state: the
 * output records a hash of every source file and of the lockfile, so `npm start` builds only
 * after a change (or on a fresh clone) and starts at once otherwise.
 *
 * Usage: node shared/local/console/build-console.ts [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');
const CONSOLE_DIR = join(REPO, 'console');
/** Where the built console lives; the local runtime serves it from here. */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');
const HASH_FILE = '.source-hash';

function sourceFiles(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== CONSOLE_DIST && entry.name !== 'node_modules' && !entry.name.startsWith('.dist-'))
        files.push(...sourceFiles(path));
    } else files.push(path);
  }
  return files.sort();
}

/**
 * What the build depends on: the console's sources, the typed client it imports and the lockfile.
 * Synchronous (a few dozen small files), so CDK's synchronous bundling hook can ask too.
 */
function consoleSourceHash(): string {
  const hash = createHash('sha256');
  const roots = [CONSOLE_DIR, join(REPO, 'client')].filter((dir) => existsSync(dir));
  const files = [...roots.flatMap(sourceFiles), join(REPO, 'package-lock.json')];
  for (const file of files) {
    hash.update(relative(REPO, file)).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function builtHash(outDir: string): string | undefined {
  try {
    return readFileSync(join(outDir, HASH_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs Vite into a fresh folder and swaps it in, so a service serving the old build (or a
 * second builder) never sees half of one.
 */
export async function buildConsole(outDir: string = CONSOLE_DIST): Promise<{ outDir: string }> {
  const hash = consoleSourceHash();
  const { build } = await import('vite');
  const { default: preact } = await import('@preact/preset-vite');
  const staging = `${outDir}.dist-${process.pid}-${Date.now()}`;
  await build({
    configFile: false,
    root: CONSOLE_DIR,
    base: '/',
    logLevel: 'warn',
    plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
    build: { outDir: staging, emptyOutDir: true, assetsDir: 'assets', sourcemap: false, target: 'es2022' },
  });
  await writeFile(join(staging, HASH_FILE), `${hash}\n`);
  const old = `${outDir}.dist-old-${process.pid}-${Date.now()}`;
  if (existsSync(outDir)) await rename(outDir, old);
  await rename(staging, outDir);
  await rm(old, { recursive: true, force: true });
  return { outDir };
}

/** Whether the folder holds the build of the current sources. */
export function consoleIsCurrent(outDir: string = CONSOLE_DIST): boolean {
  return builtHash(outDir) === consoleSourceHash();
}

/** Builds the console unless the folder already holds the build of the current sources. */
export async function ensureConsoleBuilt(
  outDir: string = CONSOLE_DIST,
): Promise<{ outDir: string; built: boolean }> {
  if (consoleIsCurrent(outDir)) return { outDir, built: false };
  await buildConsole(outDir);
  return { outDir, built: true };
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  const result = force ? { ...(await buildConsole()), built: true } : await ensureConsoleBuilt();
  console.error(
    result.built ? `console built into ${result.outDir}` : `console up to date in ${result.outDir}`,
  );
}
