import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleIsCurrent } from '#shared/local/console/build-console.ts';
import { startServiceProcess, waitFor } from '#test/support/processes.ts';
import { launchChromium, nav, screenshot, signInAsDemo } from './chromium.ts';

/** What a new user gets from `npm start`: the console at `/`, signed in as the demo tenant. */

let started: Awaited<ReturnType<typeof startServiceProcess>>;
let browser: Browser | undefined;

beforeAll(async () => {
  // Quick workflow waits: the walkthrough is about the console, not Proxmox's pace.
  started = await startServiceProcess(mkdtempSync(join(tmpdir(), 'console-start-')), {
    WORKFLOW_TIME_FACTOR: '0.1',
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
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

  it('takes a new user from signing in to a restored snapshot by what the screens say', async () => {
    await waitFor(
      async () => started.service.output().includes(`Console    ${started.url}/`),
      120_000,
      'the console',
    );
    browser = await launchChromium();
    const page = await signInAsDemo(browser, started.url, 'admin');
    await screenshot(page, 'new-user-dashboard');

    await nav(page, 'Policies');
    await page.getByText('No policies yet.').waitFor();
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByLabel('Name', { exact: true }).fill('first-policy');
    await page.getByLabel('Tags', { exact: true }).fill('web');
    await page.getByLabel('Daily', { exact: true }).fill('7');
    await page
      .getByTestId('live-next-runs')
      .getByText(/^Next runs: /)
      .waitFor();
    await page
      .getByTestId('retention-sample')
      .getByText(/keep 7/)
      .waitFor();
    await screenshot(page, 'new-user-policy-editor');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Policy first-policy' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'web-01' }).getByRole('cell', { name: 'yes' }).waitFor();

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 90_000 });
    await screenshot(page, 'new-user-run');

    await nav(page, 'Guests');
    await page.getByRole('link', { name: 'web-01' }).click();
    const restore = page.getByRole('button', { name: /^Restore auto-/ });
    await restore.waitFor();
    await restore.click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByTestId('restore-confirmation').textContent()).toMatch(
      /Proxmox rolls VM 100 \(web-01\) back to "auto-/,
    );
    await dialog.getByRole('button', { name: 'Roll back now' }).click();
    await page.getByTestId('operation').getByText('succeeded').waitFor({ timeout: 90_000 });
    await screenshot(page, 'new-user-restored');
  }, 240_000);
});
