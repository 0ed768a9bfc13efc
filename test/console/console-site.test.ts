import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConsoleSite, type SiteRequest } from '#shared/local/console/console-site.ts';

function builtConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-site-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-AbC123.css'), 'body{}');
  writeFileSync(join(dir, '.source-hash'), 'abc');
  return dir;
}

const get = (path: string, method = 'GET'): SiteRequest => ({
  method,
  path,
  body: Buffer.alloc(0),
  remoteAddress: '127.0.0.1',
});

describe('the console site of the local runtime', () => {
  const site = createConsoleSite({ dir: builtConsole(), config: { auth: { kind: 'local' } } });

  it('serves hashed assets with their content type and a year of immutable caching', async () => {
    const js = await site(get('/assets/index-AbC123.js'));
    expect(js?.status).toBe(200);
    expect(js?.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js?.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await site(get('/assets/index-AbC123.css'));
    expect(css?.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers the root and every client route with index.html, revalidated on each load', async () => {
    for (const path of ['/', '/policies', '/guests/lab%2F101', '/runs/01J9']) {
      const page = await site(get(path));
      expect(page?.status, path).toBe(200);
      expect(page?.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page?.headers['cache-control']).toBe('no-cache');
      expect(String(page?.body)).toContain('<title>console</title>');
    }
  });

  it('leaves /v1, the OpenAPI document and the docs to the API, whatever the method', async () => {
    for (const path of ['/v1', '/v1/guests', '/v1/nothing-here', '/openapi.json', '/docs'])
      expect(await site(get(path)), path).toBeUndefined();
    expect(await site(get('/', 'POST'))).toBeUndefined();
  });

  it('serves its configuration, and 404s a missing file instead of a page a browser would run', async () => {
    const config = await site(get('/console-config.json'));
    expect(JSON.parse(String(config?.body))).toEqual({ auth: { kind: 'local' } });
    expect(config?.headers['content-type']).toBe('application/json');
    expect((await site(get('/assets/gone-123.js')))?.status).toBe(404);
  });

  it('never serves files outside its folder or its dot files', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/.source-hash',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const answer = await site(get(path));
      expect(
        answer?.status === 200 && String(answer.body) !== '<!doctype html><title>console</title>',
        path,
      ).toBe(false);
    }
  });

  it('answers HEAD with the headers only', async () => {
    const head = await site(get('/assets/index-AbC123.js', 'HEAD'));
    expect(head?.status).toBe(200);
    expect(head?.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(head?.body).toBe('');
  });

  it('says how to build the console when it is not built', async () => {
    const empty = createConsoleSite({ dir: mkdtempSync(join(tmpdir(), 'no-console-')), config: {} });
    const page = await empty(get('/'));
    expect(page?.status).toBe(503);
    expect(String(page?.body)).toContain('npm run build:console');
    expect(await empty(get('/v1/guests'))).toBeUndefined();
  });
});
