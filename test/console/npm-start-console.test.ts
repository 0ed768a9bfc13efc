import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleIsCurrent } from '#shared/local/console/build-console.ts';
import { startServiceProcess, waitFor } from '#test/support/processes.ts';

/** What a new user gets from `npm start`: the console at `/`, signed in as the demo tenant. */

let started: Awaited<ReturnType<typeof startServiceProcess>>;

beforeAll(async () => {
  started = await startServiceProcess(mkdtempSync(join(tmpdir(), 'console-start-')));
}, 240_000);

afterAll(async () => {
  started?.service.child.kill('SIGTERM');
  await started?.service.exited;
});

describe('npm start and the console', () => {
  it('serves the console built from the current sources at / and names it in the banner', async () => {
    // The banner comes once the console is built (beside the start, so possibly after /v1/health).
    await waitFor(
      async () => started.service.output().includes(`Console    ${started.url}/`),
      120_000,
      'the banner',
    );
    expect(consoleIsCurrent()).toBe(true);
    const page = await fetch(`${started.url}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${started.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${started.url}/runs/some-run`)).headers.get('content-type')).toContain('text/html');
    expect(await (await fetch(`${started.url}/v1/health`)).json()).toMatchObject({ status: 'ok' });
  });

  it('signs the console in as the demo tenant, whose simulated cluster lab is there', async () => {
    const signIn = await fetch(`${started.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'operator' }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    const clusters = await fetch(`${started.url}/v1/clusters`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(clusters.status).toBe(200);
    expect(
      ((await clusters.json()) as { items: { name: string }[] }).items.map((cluster) => cluster.name),
    ).toEqual(['lab']);
  });
});
