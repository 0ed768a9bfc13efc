import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(folder: string): { file: string; text: string }[] {
  return readdirSync(join(root, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { file: relative(root, path), text: readFileSync(path, 'utf8') };
    });
}

const literals = (list: string): string[] =>
  [...list.matchAll(/'([^']*)'/g)].map((match) => match[1] as string).sort();

/** Every `export const NAME = [ 'a', 'b' ] as const` of the domain, as its sorted values. */
const domainLists = sources('shared/domain').flatMap(({ file, text }) =>
  [...text.matchAll(/export const (\w+) = \[([^\]]*)\] as const/g)].map((match) => ({
    name: `${file}: ${match[1]}`,
    values: literals(match[2] as string),
  })),
);

describe('the API builds its enums from the domain', () => {
  it('finds the domain lists it compares against', () => {
    expect(domainLists.map((list) => list.name)).toEqual(
      expect.arrayContaining([
        'shared/domain/guest.ts: GUEST_TYPES',
        'shared/domain/audit.ts: AUDIT_OUTCOMES',
        'shared/domain/retention.ts: RETENTION_REASONS',
      ]),
    );
  });

  it('no literal z.enum in shared/api repeats a domain list', () => {
    const repeats = sources('shared/api').flatMap(({ file, text }) =>
      [...text.matchAll(/z\.enum\(\[([^\]]*)\]/g)].flatMap((match) => {
        const values = literals(match[1] as string);
        return domainLists
          .filter((list) => list.values.join() === values.join())
          .map((list) => `${file} lists [${values.join(', ')}], already ${list.name}`);
      }),
    );
    expect(repeats).toEqual([]);
  });
});
