import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST, ensureConsoleBuilt } from '#shared/local/console/build-console.ts';

/** The issue's budget for the first load: 200 KB of JavaScript, compressed. */
const BUDGET_BYTES = 200 * 1024;

beforeAll(async () => {
  await ensureConsoleBuilt();
}, 180_000);

describe('the console build', () => {
  it('loads less than 200 KB of gzip-compressed JavaScript on the first page, and prints what it loads', () => {
    const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map(
      (match) => match[1] as string,
    );
    expect(scripts.length).toBeGreaterThan(0);
    const sizes = scripts.map((script) => {
      const bytes = readFileSync(join(CONSOLE_DIST, script));
      return { script, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
    const total = sizes.reduce((sum, size) => sum + size.gzip, 0);
    const allJs = readdirSync(join(CONSOLE_DIST, 'assets')).filter((name) => name.endsWith('.js'));
    console.info(
      `console first load: ${(total / 1024).toFixed(1)} KB of JavaScript gzip-compressed ` +
        `(${sizes.map((size) => `${size.script}: ${(size.raw / 1024).toFixed(1)} KB raw`).join(', ')}); ` +
        `${allJs.length} JavaScript file(s) in the build`,
    );
    expect(total).toBeLessThan(BUDGET_BYTES);
  });

  it('loads nothing from another origin (no CDN at run time)', () => {
    const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    for (const name of readdirSync(join(CONSOLE_DIST, 'assets'))) {
      const text = readFileSync(join(CONSOLE_DIST, 'assets', name), 'utf8');
      expect(text, name).not.toMatch(/import\s*\(?\s*["']https?:/);
      expect(text, name).not.toMatch(/@import\s+url\(["']?https?:/);
    }
  });
});
