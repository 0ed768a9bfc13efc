import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '#shared/local/console/build-console.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { launchChromium, nav, screenshot, signInAsDemo } from './chromium.ts';

/**
 * The console in a real browser against the whole local runtime over HTTP: what a new user
 * does on the first day, and what a viewer is not offered.
 */

let api: TestApi;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureConsoleBuilt();
  api = await startTestApi();
  const admin = await api.as('demo', 'admin');
  const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  expect(cluster.status).toBe(201);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.stop();
});

async function signedIn(role: 'admin' | 'operator' | 'viewer'): Promise<Page> {
  const page = await signInAsDemo(browser, api.url, role, { acceptDownloads: true });
  contexts.push(page.context());
  return page;
}

describe('the console in Chromium', () => {
  it('lets an admin sign in, create a policy, run it, watch it finish, restore a snapshot and read the audit trail', async () => {
    const page = await signedIn('admin');
    expect(await page.getByTestId('role').textContent()).toBe('admin');
    await screenshot(page, 'sign-in-dashboard-empty');

    // A policy, first with a mistake the API names on its field as it is typed, before saving.
    await nav(page, 'Policies');
    await page.getByRole('link', { name: 'New policy' }).click();
    await page.getByRole('heading', { name: 'New policy' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('browser-nightly');
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/Berlin');
    await page.getByLabel('Tags', { exact: true }).fill('web');
    await page.getByLabel('Daily', { exact: true }).fill('7');
    await page.getByLabel('Name prefix', { exact: true }).fill('browser');
    const cron = page.getByLabel('Cron', { exact: true });
    await cron.fill('0 0 31 2 *');
    await expect.poll(() => cron.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field.invalid').first().textContent()).toContain('February');
    await screenshot(page, 'policy-editor-validation');
    await cron.fill('0 2 * * *');
    await expect.poll(() => cron.getAttribute('aria-invalid')).not.toBe('true');
    // The next runs of what is typed, in its zone, before it is saved.
    const nextRuns = page.getByTestId('live-next-runs');
    await expect
      .poll(() => nextRuns.textContent())
      .toMatch(/^Next runs: \w{3} \d+ \w{3} \d{4}, 02:00 \(UTC\+0[12]:00\); /);
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Policy browser-nightly' }).waitFor();
    await page.getByRole('heading', { name: 'Next runs' }).waitFor();
    await page.getByRole('cell', { name: 'yes' }).first().waitFor();
    await screenshot(page, 'policy');

    // Run it now and watch the run move and finish (a slow Proxmox keeps it running a while).
    api.simulator.server.setLatency(200);
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('heading', { name: 'Run of browser-nightly' }).waitFor();
    const status = page.getByTestId('run-status');
    try {
      await status.getByText('running').waitFor();
      const progress = page.getByRole('progressbar', { name: 'Guests done' });
      await expect.poll(() => progress.getAttribute('max'), { timeout: 30_000 }).toBe('2');
      await screenshot(page, 'run-running');
    } finally {
      api.simulator.server.setLatency(0);
    }
    await status.getByText('succeeded').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('progressbar', { name: 'Guests done' }).getAttribute('value')).toBe('2');
    // The simulated cluster has two guests tagged web: web-01 and web-02.
    expect(await page.getByRole('row').filter({ hasText: 'succeeded' }).count()).toBe(2);
    // Each guest by the name Proxmox shows, with its VMID.
    for (const guest of ['web-01 (100)', 'web-02 (101)'])
      await page.getByRole('link', { name: guest }).waitFor();
    await screenshot(page, 'run-finished');

    // Restore the snapshot the run took, after reading what will happen.
    await nav(page, 'Guests');
    await page.getByRole('link', { name: 'web-01' }).click();
    await page.getByRole('heading', { name: /web-01/ }).waitFor();
    const restore = page.getByRole('button', { name: /^Restore browser-/ });
    await restore.waitFor();
    await restore.click();
    const dialog = page.getByRole('dialog');
    const confirmation = dialog.getByTestId('restore-confirmation');
    expect(await confirmation.textContent()).toContain('safety snapshot');
    expect(await confirmation.textContent()).toMatch(/Proxmox rolls VM 100 \(web-01\) back to "browser-/);
    await screenshot(page, 'restore-confirmation');
    await dialog.getByRole('button', { name: 'Roll back now' }).click();
    await page.getByTestId('operation').getByText('succeeded').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('operation').textContent()).toContain('Safety snapshot taken: safety-');
    await screenshot(page, 'guest-restored');

    // The audit trail shows all of it, and exports it.
    await nav(page, 'Audit trail');
    await page.getByRole('cell', { name: 'snapshot.restore' }).waitFor();
    for (const action of ['policy.create', 'policy.run'])
      await page.getByRole('cell', { name: action }).first().waitFor();
    await screenshot(page, 'audit');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv.split('\n')[0]).toContain('action');
    expect(csv).toContain('snapshot.restore');

    await nav(page, 'Dashboard');
    await page.getByRole('heading', { name: 'Last runs' }).waitFor();
    await page.getByRole('link', { name: 'browser-nightly' }).first().waitFor();
    // The fullest storage first: the simulator's small shared one, 44 of 64 GiB.
    const fullest = page.getByTestId('storage-summary').getByRole('row').nth(1);
    await fullest.getByRole('rowheader', { name: 'backup-small' }).waitFor();
    expect(await fullest.getByRole('img').getAttribute('aria-label')).toBe(
      '69 % used: 44.0 GiB of 64.0 GiB, 20.0 GiB free',
    );
    await screenshot(page, 'dashboard');
    await fullest.getByRole('link', { name: 'backup-small' }).click();
    await page
      .getByTestId('storage-trend')
      .getByText(/^backup-small: used and capacity/)
      .waitFor();
  }, 180_000);

  it("shows a failed guest on the dashboard with Proxmox's own text", async () => {
    const admin = await api.as('demo', 'admin');
    const policy = await admin.post('/v1/policies', {
      name: 'fails-on-disk',
      schedule: { cron: '0 4 * * *' },
      selector: { tags: ['staging'] },
    });
    expect(policy.status).toBe(201);
    api.simulator.sim.failTasks({ message: 'zfs error: out of space', type: 'snapshot', vmid: 104 });
    expect((await admin.post(`/v1/policies/${policy.body.id}/runs`)).status).toBe(202);
    await api.runtime.workflows.drain();

    const page = await signedIn('operator');
    const failure = page
      .getByRole('row')
      .filter({ hasText: 'fails-on-disk' })
      .filter({ hasText: 'out of space' });
    await failure.waitFor();
    expect(await failure.textContent()).toContain('zfs error: out of space');
    await failure.getByRole('link', { name: 'staging-app (104)' }).waitFor();
    await screenshot(page, 'dashboard-failure');
  }, 120_000);

  it('filters the audit trail by outcome and action, and loads the pages after the first', async () => {
    // 101 refused creations, each audited as denied.
    const viewer = await api.as('demo', 'viewer');
    for (let attempt = 0; attempt < 101; attempt += 1)
      expect((await viewer.post('/v1/policies', { name: `no-${attempt}` })).status).toBe(403);

    const page = await signedIn('operator');
    await nav(page, 'Audit trail');
    await page.getByLabel('Outcome', { exact: true }).selectOption('denied');
    await page.getByLabel('Action', { exact: true }).fill('policy.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('row').filter({ hasText: 'policy.create' });
    await expect.poll(() => rows.count()).toBe(100);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(101);
    expect(await page.getByRole('row').filter({ hasText: 'success' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  }, 120_000);

  it('shows a viewer no button it cannot use', async () => {
    const admin = await api.as('demo', 'admin');
    const policy = await admin.post('/v1/policies', {
      name: 'viewer-sees',
      schedule: { cron: '0 3 * * *' },
      selector: { tags: ['db'] },
    });
    expect(policy.status).toBe(201);
    expect((await admin.post(`/v1/policies/${policy.body.id}/runs`)).status).toBe(202);
    await api.runtime.workflows.drain();
    const page = await signedIn('viewer');
    const buttons = async () =>
      (await page.getByRole('button').allTextContents()).map((text) => text.trim()).filter(Boolean);
    const readOnly = new Set(['Sign out', 'Filter', 'Download CSV', 'Deliveries', 'Load more']);

    await nav(page, 'Policies');
    await page.getByRole('link', { name: 'viewer-sees' }).click();
    await page.getByRole('heading', { name: 'Policy viewer-sees' }).waitFor();
    await page.getByRole('caption').filter({ hasText: 'db-01 (102)' }).waitFor();
    expect(await buttons()).toEqual(['Sign out']);
    await nav(page, 'Policies');
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    expect(await page.getByRole('link', { name: 'New policy' }).count()).toBe(0);

    // The inventory filtered by tag, the filter kept in the address.
    await nav(page, 'Guests');
    await page.getByLabel('Tag', { exact: true }).fill('db');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('tag')).toBe('db');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByRole('link', { name: 'db-01' }).click();
    await page.getByRole('heading', { name: 'Snapshots' }).waitFor();
    await page
      .getByRole('cell', { name: /^auto-/ })
      .first()
      .waitFor();
    expect(await buttons()).toEqual(['Sign out']);
    expect(await page.getByLabel('Snapshot name').count()).toBe(0);
    await screenshot(page, 'viewer-guest');

    for (const screen of ['Runs', 'Settings', 'Subscriptions', 'Audit trail', 'Dashboard']) {
      await nav(page, screen);
      await page.getByRole('heading', { level: 1 }).waitFor();
      // A screen may load several things at once (Settings: settings and clusters), each with
      // its own status line; the buttons are final only when every one of them has gone.
      await page.getByRole('status').first().waitFor({ state: 'detached' });
      for (const name of await buttons()) expect(readOnly, `${screen}: ${name}`).toContain(name);
    }
  }, 120_000);
});
