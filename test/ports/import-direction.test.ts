import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Every `from '...'` specifier of every .ts file under `folder`, as `file -> specifier`. */
function importsUnder(folder: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
      found.push({ file: relative(root, path), specifier: match[1] as string });
    }
  }
  return found;
}

/** The `shared/` folder an import lands in (`#shared/x/...` or a relative path out of the file's folder). */
function sharedFolder(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('#shared/')) return specifier.split('/')[1];
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(join(root, 'shared'), join(root, file, '..', specifier));
  return target.startsWith('..') ? undefined : target.split('/')[0];
}

function crossings(folder: string, allowed: readonly string[]): string[] {
  return importsUnder(folder)
    .filter(({ file, specifier }) => {
      const target = sharedFolder(file, specifier);
      return target !== undefined && !allowed.includes(target);
    })
    .map(({ file, specifier }) => `${file} imports ${specifier}`);
}

describe('import direction: ports are the one home both sides share', () => {
  it('adapters import ports and domain, never the use cases', () => {
    expect(crossings('shared/adapters', ['adapters', 'ports', 'domain', 'config'])).toEqual([]);
  });

  it('ports depend on the domain only', () => {
    expect(crossings('shared/ports', ['ports', 'domain'])).toEqual([]);
  });

  it('the domain depends on nothing outside it but the ports it names', () => {
    expect(crossings('shared/domain', ['domain', 'ports'])).toEqual([]);
  });
});
