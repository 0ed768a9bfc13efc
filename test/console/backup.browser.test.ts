import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '#shared/local/console/build-console.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { launchChromium, nav, screenshot, signInAsDemo } from './chromium.ts';

/**
 * Backups and protection in a real browser against the whole local runtime: the dashboard's
 * coverage and recovery points, a backup policy made in the editor, run, and its archive
 * restored into a new guest from the guest's page.
 */

let api: TestApi;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  await ensureConsoleBuilt();
  api = await startTestApi();
  const admin = await api.as('demo', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await api?.stop();
});

async function signedInAdmin(): Promise<Page> {
  const page = await signInAsDemo(browser, api.url, 'admin');
  context = page.context();
  return page;
}

const legend = (page: Page, chart: string, state: string) =>
  page.locator('figure', { hasText: chart }).locator(`li[data-state="${state}"]`);

describe('backups in the console', () => {
  it('shows coverage, makes and runs a backup policy, restores its archive to a new guest, and shows the guest covered', async () => {
    const page = await signedInAdmin();
    const guests = (await (await api.as('demo', 'viewer')).get('/v1/reports/coverage?limit=1')).body.totals
      .guests as number;
    await legend(page, 'Coverage of', 'not-covered').getByText(`${guests} not covered`).waitFor();
    await screenshot(page, 'dashboard-coverage-none');

    // A backup policy for web-01, with the storage the simulator offers for backups.
    await nav(page, 'Policies');
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByRole('radio', { name: /^Backups/ }).check();
    expect(await page.getByLabel('At once per node').inputValue()).toBe('1');
    await page.getByLabel('Name', { exact: true }).fill('browser-backup');
    await page.getByLabel('Cron', { exact: true }).fill('0 3 * * *');
    await page.getByLabel('Time zone', { exact: true }).fill('UTC');
    await page.getByLabel('Guests', { exact: true }).fill('lab/100');
    await page.getByLabel('Backup storage', { exact: true }).fill('backup-nfs');
    await page.getByLabel('Daily', { exact: true }).fill('7');
    await screenshot(page, 'policy-editor-backup');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Policy browser-backup' }).waitFor();
    await page.getByText('backups to backup-nfs').waitFor();

    await page.getByRole('button', { name: /^Dry run/ }).click();
    const plan = page.getByTestId('dry-run');
    await plan.getByText(/A run now would take 1 guest in 1 lane/).waitFor();
    await screenshot(page, 'policy-dry-run');

    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('heading', { name: 'Run of browser-backup' }).waitFor();
    await page.getByTestId('run-status').getByText('succeeded').waitFor({ timeout: 60_000 });

    // The archive on the guest's page, restored into a new guest after reading what will happen.
    await nav(page, 'Guests');
    await page.getByRole('link', { name: 'web-01' }).click();
    await page.getByRole('heading', { name: 'Backups' }).waitFor();
    const restore = page.getByRole('button', { name: /^Restore vzdump-qemu-100-/ });
    await restore.waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'vzdump-qemu-100-' }).textContent()).toMatch(
      /backup-nfs.*(KiB|MiB|GiB)/,
    );
    await restore.click();
    const dialog = page.getByRole('dialog');
    const confirmation = dialog.getByTestId('restore-confirmation');
    expect(await confirmation.textContent()).toMatch(
      /restores "vzdump-qemu-100-.*" on backup-nfs into a new guest/,
    );
    expect(await confirmation.textContent()).toContain('VM 100 (web-01) itself is not touched');
    await dialog.getByLabel('Name').fill('web-01-restored');
    expect(await confirmation.textContent()).toContain('named web-01-restored');
    await screenshot(page, 'backup-restore-confirmation');
    await dialog.getByRole('button', { name: 'Restore now' }).click();
    const operation = page.getByTestId('operation');
    await operation.getByText('succeeded').waitFor({ timeout: 60_000 });
    expect(await operation.textContent()).toContain('restore backup new guest');
    await operation.getByRole('link').click();
    await page.getByRole('heading', { name: /web-01-restored/ }).waitFor();
    await screenshot(page, 'guest-restored-from-backup');

    // The dashboard now counts web-01 covered and its backup recovery point within its objective.
    await nav(page, 'Dashboard');
    await legend(page, 'Coverage of', 'covered').getByText('1 covered').waitFor();
    await legend(page, 'Recovery points (backups)', 'ok').getByText('1 ok').waitFor();
    await screenshot(page, 'dashboard-protection');
  }, 240_000);
});
