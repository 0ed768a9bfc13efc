/**
 * Builds the console (console/, Vite + Preact) into console/dist, once per source state: the
 * output records a hash of every source file and of the lockfile, so `npm start` builds only
 * after a change (or on a fresh clone) and starts at once otherwise.
 *
 * Usage: node shared/local/console/build-console.ts [--force]
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');
const CONSOLE_DIR = join(REPO, 'console');
/** Where the built console lives; the local runtime serves it from here. */
export const CONSOLE_DIST = join(CONSOLE_DIR, 'dist');
const HASH_FILE = '.source-hash';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== CONSOLE_DIST && entry.name !== 'node_modules' && !entry.name.startsWith('.dist-'))
        files.push(...(await sourceFiles(path)));
    } else files.push(path);
  }
  return files.sort();
}

/** What the build depends on: the console's sources, the typed client it imports and the lockfile. */
export async function consoleSourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const roots = [CONSOLE_DIR, join(REPO, 'client')].filter((dir) => existsSync(dir));
  const files = [...(await Promise.all(roots.map(sourceFiles))).flat(), join(REPO, 'package-lock.json')];
  for (const file of files) {
    hash.update(relative(REPO, file)).update('\0');
    hash.update(await readFile(file)).update('\0');
  }
  return hash.digest('hex');
}

async function builtHash(outDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(outDir, HASH_FILE), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs Vite into a fresh folder and swaps it in, so a service serving the old build (or a
 * second builder) never sees half of one.
 */
export async function buildConsole(outDir: string = CONSOLE_DIST): Promise<{ outDir: string }> {
  const hash = await consoleSourceHash();
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
export async function consoleIsCurrent(outDir: string = CONSOLE_DIST): Promise<boolean> {
  return (await builtHash(outDir)) === (await consoleSourceHash());
}

/** Builds the console unless the folder already holds the build of the current sources. */
export async function ensureConsoleBuilt(
  outDir: string = CONSOLE_DIST,
): Promise<{ outDir: string; built: boolean }> {
  if (await consoleIsCurrent(outDir)) return { outDir, built: false };
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
