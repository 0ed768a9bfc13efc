import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '#shared/local/console/build-console.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { launchChromium, nav, screenshot, signInAsDemo } from './chromium.ts';

/**
 * Restore tests, storages and the plan's usage in a real browser against the whole local
 * runtime: a restore test made from the form, run now, its proof read; a storage's capacity bar
 * and trend; the plan's quotas.
 */

let api: TestApi;
let browser: Browser;
let page: Page | undefined;

beforeAll(async () => {
  await ensureConsoleBuilt();
  api = await startTestApi();
  const admin = await api.as('demo', 'admin');
  const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  expect(cluster.status).toBe(201);
  const snapshot = await admin.post(`/v1/guests/${cluster.body.id}.100/snapshots`, { name: 'before-proof' });
  expect(snapshot.status).toBe(202);
  await api.runtime.workflows.drain();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await page?.context().close();
  await browser?.close();
  await api?.stop();
});

async function signedIn(role: 'admin' | 'viewer'): Promise<Page> {
  await page?.context().close();
  page = await signInAsDemo(browser, api.url, role);
  return page;
}

describe('restore tests and storage in the console', () => {
  it('creates a restore test for a guest, runs it now and shows its proof of life', async () => {
    const page = await signedIn('admin');
    await nav(page, 'Restore tests');
    await page.getByRole('heading', { name: 'Restore tests' }).waitFor();
    await page.getByText('No restore tests yet.').waitFor();
    const form = page.getByRole('form', { name: 'New restore test' });
    await form.getByLabel('Name', { exact: true }).fill('browser-proof');
    await form.getByLabel('Guests to prove').fill('lab/100');
    await form.getByLabel('Boot timeout (s)').fill('30');
    await screenshot(page, 'restore-test-new');
    await form.getByRole('button', { name: 'Create restore test' }).click();
    await page.getByRole('heading', { name: 'Restore test browser-proof' }).waitFor();
    await page.getByText('It has not run yet.').waitFor();

    await page.getByRole('button', { name: 'Run now' }).click();
    const proof = page.getByTestId('restore-test-proof');
    await proof.getByTestId('restore-test-run-status').getByText('succeeded').waitFor({ timeout: 90_000 });
    const row = proof.getByRole('row').filter({ hasText: 'web-01 (100)' });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells.slice(1, 3)).toEqual(['snapshot before-proof', 'succeeded']);
    expect(Number(cells[3])).toBeGreaterThan(100);
    expect(cells[4]).toMatch(/^\d+\.\d s$/);
    expect(cells.slice(6)).toEqual([
      'QEMU guest agent: ping answered',
      expect.stringMatching(/^net0/),
      'yes',
    ]);
    expect(await proof.getByText('1 of 1 guests').count()).toBe(1);
    // The runs below follow: the run is listed as ended.
    await page.getByRole('row').filter({ hasText: 'run now' }).getByText('succeeded').waitFor();
    await screenshot(page, 'restore-test-proof');

    // The list shows the test's last result.
    await nav(page, 'Restore tests');
    const listed = page.getByRole('row').filter({ hasText: 'browser-proof' });
    await listed.getByText('succeeded').waitFor();
    expect(await listed.textContent()).toContain('newest snapshot of 1 named guests');
    await screenshot(page, 'restore-tests');
  }, 240_000);

  it('shows a viewer the restore tests without their buttons, each storage with its capacity bar and trend, and the plan’s quotas', async () => {
    const page = await signedIn('viewer');
    // A viewer reads the restore tests and their proof, and is offered nothing it cannot do.
    await nav(page, 'Restore tests');
    await page.getByRole('row').filter({ hasText: 'browser-proof' }).getByText('succeeded').waitFor();
    expect(await page.getByRole('button', { name: /^Run / }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'New restore test' }).count()).toBe(0);
    await page.getByRole('link', { name: 'browser-proof' }).click();
    await page.getByTestId('restore-test-proof').getByText('QEMU guest agent: ping answered').waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Run now|Delete/ })
        .count(),
    ).toBe(0);

    await nav(page, 'Storage');
    await page.getByRole('heading', { name: 'Storage and usage' }).waitFor();
    // The simulator's small shared storage: 64 GiB, 44 GiB used.
    const bar = page.getByTestId('capacity-backup-small-*');
    await bar.waitFor();
    expect(await bar.getByRole('img').getAttribute('aria-label')).toBe(
      '69 % used: 44.0 GiB of 64.0 GiB, 20.0 GiB free',
    );
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'backup-small' }) });
    expect(await row.textContent()).toContain('shared (');
    await row.getByRole('button', { name: 'Trend of backup-small' }).click();
    const trend = page.getByTestId('storage-trend');
    await trend.getByText('backup-small: used and capacity, last 1 day').waitFor();
    expect(await trend.textContent()).toContain('capacity: 64.0 GiB');
    expect(new URL(page.url()).searchParams.get('storage')).toBe('backup-small');

    const usage = page.getByTestId('usage');
    await usage.getByTestId('plan').waitFor();
    expect(await usage.getByRole('row').filter({ hasText: 'Clusters' }).textContent()).toMatch(/^Clusters1/);
    await screenshot(page, 'storage');
  }, 120_000);
});
