import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalWorkflows } from './synthesized-definition.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The module that builds the definitions with CDK; its import closure is what they depend on. */
const SYNTHESIS_ENTRY = 'shared/local/workflows/synthesized-definition.ts';
/** Bumped when the cache file's shape changes, so older files are never read as the new shape. */
const CACHE_FORMAT = 4;

// `import ... from '...'`, `export ... from '...'` and `import '...'`, one statement at a time
// (an import clause never holds a semicolon); group 1 marks type-only statements.
const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\bfrom\s*)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Local files and `name@version` of the packages a module needs at run time, by its imports. */
export interface DefinitionSources {
  /** Paths relative to the root, sorted. */
  readonly files: string[];
  readonly packages: string[];
}

function packageImports(root: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    imports?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(manifest.imports ?? {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

function resolveSubpathImport(specifier: string, imports: Record<string, string>): string | undefined {
  for (const [pattern, target] of Object.entries(imports)) {
    if (pattern === specifier) return target;
    const star = pattern.indexOf('*');
    if (star === -1) continue;
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (
      specifier.startsWith(prefix) &&
      specifier.endsWith(suffix) &&
      specifier.length >= pattern.length - 1
    ) {
      return target.replace('*', specifier.slice(prefix.length, specifier.length - suffix.length));
    }
  }
  return undefined;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function packageVersion(root: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'missing';
  }
}

/**
 * Follows the imports of `entry` through the repository's own files. Type-only imports are not
 * followed: they are erased before the code runs, so they cannot change what it synthesizes.
 */
export function definitionSources(root: string, entry: string = SYNTHESIS_ENTRY): DefinitionSources {
  const imports = packageImports(root);
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    const path = relative(root, file);
    if (files.has(path)) continue;
    files.add(path);
    if (!existsSync(file)) continue; // a missing file is part of the key too
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...[...source.matchAll(STATIC_IMPORT)].filter((match) => !match[1]).map((match) => match[2] as string),
      ...[...source.matchAll(DYNAMIC_IMPORT)].map((match) => match[1] as string),
    ];
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else if (specifier.startsWith('#')) {
        const target = resolveSubpathImport(specifier, imports);
        if (target) pending.push(resolve(root, target));
        else packages.add(`${specifier}@unresolved`);
      } else if (!isBuiltin(specifier)) {
        const name = packageName(specifier);
        packages.add(`${name}@${packageVersion(root, name)}`);
      }
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** A hash of every source the definitions are built from and the versions of the packages they use. */
export function definitionSourcesHash(root: string = REPO_ROOT, entry: string = SYNTHESIS_ENTRY): string {
  const { files, packages } = definitionSources(root, entry);
  const hash = createHash('sha256').update(`format ${CACHE_FORMAT}\0`);
  for (const file of files) {
    const path = join(root, file);
    hash
      .update(`${file}\0`)
      .update(existsSync(path) ? readFileSync(path) : 'missing')
      .update('\0');
  }
  for (const name of packages) hash.update(`${name}\0`);
  return hash.digest('hex').slice(0, 32);
}

function readCached<T>(file: string, key: string, valid: (value: T) => boolean): T | undefined {
  try {
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { key?: string; value?: T };
    return cached.key === key && cached.value !== undefined && valid(cached.value) ? cached.value : undefined;
  } catch {
    return undefined; // absent or unreadable: synthesize again
  }
}

function writeCached(directory: string, file: string, key: string, value: unknown): void {
  try {
    mkdirSync(directory, { recursive: true });
    // Written aside and renamed, so a process reading at the same time sees all of it or nothing.
    const temporary = join(directory, `.${key}.${process.pid}.${randomUUID()}.tmp`);
    writeFileSync(temporary, JSON.stringify({ key, value }));
    renameSync(temporary, file);
    for (const name of readdirSync(directory)) {
      if (name.endsWith('.json') && join(directory, name) !== file)
        rmSync(join(directory, name), { force: true });
    }
  } catch {
    // A read-only checkout still runs; it synthesizes on every start.
  }
}

/** Something built from the CDK app, cached under `.cache/<folder>` by the hash of its sources. */
export interface CachedSynthesis<T> {
  /** The module that builds it; its import closure is what it depends on. */
  readonly entry: string;
  readonly folder: string;
  readonly synthesize: () => T | Promise<T>;
  /** Files read at synthesis that no import names (e.g. `cdk.json`), relative to the root. */
  readonly alsoDependsOn?: readonly string[];
  /** Whether a cached value has the expected shape. */
  readonly valid: (value: T) => boolean;
  readonly root?: string;
  readonly cacheDir?: string;
}

/** The cached value when its sources have not changed since, else a new synthesis (then cached). */
export async function loadCachedSynthesis<T>(options: CachedSynthesis<T>): Promise<T> {
  const root = options.root ?? REPO_ROOT;
  const extra = createHash('sha256');
  for (const file of options.alsoDependsOn ?? []) {
    const path = join(root, file);
    extra.update(`${file}\0`).update(existsSync(path) ? readFileSync(path) : 'missing');
  }
  const key = options.alsoDependsOn?.length
    ? createHash('sha256')
        .update(definitionSourcesHash(root, options.entry))
        .update(extra.digest('hex'))
        .digest('hex')
        .slice(0, 32)
    : definitionSourcesHash(root, options.entry);
  const directory = options.cacheDir ?? join(root, '.cache', options.folder);
  const file = join(directory, `${key}.json`);
  const cached = readCached(file, key, options.valid);
  if (cached) return cached;
  const value = await options.synthesize();
  writeCached(directory, file, key, value);
  return value;
}

export interface DefinitionCacheOptions {
  /** The repository root (default: this checkout). */
  readonly root?: string;
  /** Where cached definitions are kept (default: `.cache/workflow-definitions` under the root). */
  readonly cacheDir?: string;
  /** Builds the definitions on a miss (default: CDK synthesis, loaded only then). */
  readonly synthesize?: () => LocalWorkflows | Promise<LocalWorkflows>;
}

async function synthesizeWithCdk(): Promise<LocalWorkflows> {
  const { synthesizePolicyRunDefinitions } = await import('./synthesized-definition.ts');
  return synthesizePolicyRunDefinitions();
}

/**
 * The state machines as CDK synthesizes them, from a cache keyed by the hash of their sources:
 * synthesizing loads the CDK and builds an app (seconds), reading the cache takes milliseconds.
 * Any change to a file the synthesis imports, or to a package version, is a new key.
 */
export async function loadWorkflowDefinitions(options: DefinitionCacheOptions = {}): Promise<LocalWorkflows> {
  return await loadCachedSynthesis({
    entry: SYNTHESIS_ENTRY,
    folder: 'workflow-definitions',
    synthesize: options.synthesize ?? synthesizeWithCdk,
    valid: (workflows) =>
      workflows.definitions !== undefined &&
      workflows.types !== undefined &&
      workflows.fastLaneArn !== undefined,
    ...(options.root ? { root: options.root } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
}
