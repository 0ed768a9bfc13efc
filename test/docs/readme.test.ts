import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_STATUS } from '#shared/api/problem.ts';

const ROOT = process.cwd();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** The README without its fenced blocks (diagrams and shell examples name no repository files). */
const PROSE = README.replace(/^```[\s\S]*?^```$/gm, '');
const TOP_LEVEL = ['docs', 'functions', 'infra', 'shared', 'test'];

/** Relative link targets of Markdown links, without their #fragment. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] as string)
    .filter((target) => !/^(?:[a-z]+:|#)/i.test(target))
    .map((target) => target.replace(/#.*$/, ''));
}

/** Inline code that names a file or folder of the repository, e.g. `shared/domain/errors.ts`. */
function codePaths(markdown: string): string[] {
  return [...markdown.matchAll(/`([^`\s]+)`/g)]
    .map((match) => match[1] as string)
    .filter((text) => TOP_LEVEL.some((folder) => text.startsWith(`${folder}/`)))
    .filter((text) => !/[<>*…{}]/.test(text));
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

/** Every error class of the service's tree that sets a problem type, with the status the API maps it to. */
function problemTypes(): Array<{ type: string; status: number | undefined; source: string }> {
  return sourceFiles('shared').flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/class (\w+) extends \w+ \{([\s\S]*?)\n\}/g)].flatMap((match) => {
      const body = match[2] as string;
      const type = /readonly type = '([^']+)'/.exec(body)?.[1];
      const status = type === undefined ? undefined : (PROBLEM_STATUS as Record<string, number>)[type];
      return type ? [{ type, status, source: `${file} ${match[1]}` }] : [];
    });
  });
}

describe('README.md', () => {
  it('refers to nothing outside the repository', () => {
    const outside = README.split('\n').filter((line) => /(?:^|[^.])\.\.\//.test(line));
    expect(outside).toEqual([]);
  });

  it('links only to repository files that exist', () => {
    const targets = linkTargets(README);
    expect(targets).toContain('docs/proxmox-api.md');
    expect(targets.filter((target) => !existsSync(join(ROOT, target)))).toEqual([]);
  });

  it('names only repository files and folders that exist', () => {
    const paths = codePaths(PROSE);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  it('lists every problem type the API can answer with its status', () => {
    const listed = new Map(
      [...README.matchAll(/^\s*\| `([a-z-]+)` \| (\d{3}) \|/gm)].map((row) => [row[1], Number(row[2])]),
    );
    const types = problemTypes();
    expect(types.map((entry) => entry.type)).toContain('proxmox-locked');
    const wrong = types.filter((entry) => listed.get(entry.type) !== entry.status);
    expect(wrong.map((entry) => `${entry.source}: ${entry.type} ${entry.status}`)).toEqual([]);
  });
});

describe('docs/', () => {
  it('refers to nothing outside the repository and links only to files that exist', () => {
    for (const file of readdirSync(join(ROOT, 'docs'))) {
      const text = readFileSync(join(ROOT, 'docs', file), 'utf8');
      expect(
        text.split('\n').filter((line) => /(?:^|[^.])\.\.\//.test(line)),
        file,
      ).toEqual([]);
      const missing = linkTargets(text).filter((target) => !existsSync(join(ROOT, 'docs', target)));
      expect(missing, file).toEqual([]);
      expect(
        codePaths(text).filter((path) => !existsSync(join(ROOT, path))),
        file,
      ).toEqual([]);
    }
  });
});
