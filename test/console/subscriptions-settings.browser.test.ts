import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '#shared/local/console/build-console.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { startMailSink, startWebhookReceiver } from '#test/support/notification-receivers.ts';
import { launchChromium, nav, screenshot, signInAsDemo } from './chromium.ts';

/**
 * Subscriptions and settings in a real browser against the whole local runtime, a real SMTP
 * server and a real webhook receiver: a webhook's secret shown once and copied, a test event
 * delivered and in the deliveries log, an email confirmed with the mailed code; a cluster synced,
 * an agent cluster registered, its key shown once and revoked.
 */

let api: TestApi;
let browser: Browser;
let mail: Awaited<ReturnType<typeof startMailSink>>;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureConsoleBuilt();
  [mail, receiver] = await Promise.all([startMailSink(), startWebhookReceiver()]);
  api = await startTestApi({ env: { SMTP_URL: mail.url } });
  const admin = await api.as('demo', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.stop();
  await receiver?.stop();
  await mail?.stop();
});

async function signedInAdmin(): Promise<Page> {
  const page = await signInAsDemo(browser, api.url, 'admin');
  contexts.push(page.context());
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });
  return page;
}

/** What the page put on the clipboard (a page expression: the test's own TypeScript has no DOM types). */
const clipboard = async (page: Page) => String(await page.evaluate('navigator.clipboard.readText()'));

describe('subscriptions and settings in the console', () => {
  it('adds a webhook whose secret is shown once and copied, delivers a test event and logs it; confirms an email with the mailed code', async () => {
    const page = await signedInAdmin();
    await nav(page, 'Subscriptions');
    await page.getByText('No subscriptions.').waitFor();

    const hook = receiver.url('/console');
    await page.getByLabel('URL', { exact: true }).fill(hook);
    await page.getByRole('button', { name: 'Add subscription' }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    const shown = (await secret.textContent()) ?? '';
    expect(shown).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy signing secret' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await clipboard(page)).toBe(shown);
    await screenshot(page, 'subscriptions-secret-once');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);

    const item = page.getByRole('listitem').filter({ hasText: hook });
    await item.getByRole('button', { name: 'Send test event' }).click();
    const [delivered] = await receiver.waitFor(1);
    // Signed with the secret the console showed.
    const headers = delivered?.headers as Record<string, string>;
    expect(new Webhook(shown).verify(delivered?.body ?? '', headers)).toMatchObject({
      type: 'notification.test',
    });
    // The deliveries log, opened by the test, shows it once delivered.
    const log = item.getByRole('table', { name: `Deliveries to ${hook}` });
    await log
      .getByRole('row')
      .filter({ hasText: 'notification.test' })
      .filter({ hasText: 'delivered' })
      .waitFor();

    await page.getByLabel('Kind', { exact: true }).selectOption('email');
    await page.getByLabel('Address', { exact: true }).fill('ops@example.com');
    await page.getByRole('button', { name: 'Add subscription' }).click();
    const pending = page.getByRole('listitem').filter({ hasText: 'ops@example.com' });
    await pending.getByText('pending').waitFor();
    const [confirmation] = await mail.waitFor(1);
    const code = /confirmation code is (\d{6})/.exec(confirmation?.parsed.text ?? '')?.[1];
    expect(code).toBeDefined();
    await pending.getByLabel('Code mailed to ops@example.com').fill('000000');
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await pending.getByRole('alert').waitFor();
    await pending.getByLabel('Code mailed to ops@example.com').fill(code as string);
    await pending.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('listitem').filter({ hasText: 'ops@example.com' }).getByText('active').waitFor();
    await screenshot(page, 'subscriptions');
  }, 120_000);

  it('syncs a cluster, registers an agent cluster and shows its key once, then revokes it after asking', async () => {
    const page = await signedInAdmin();
    await nav(page, 'Settings');
    const lab = page.getByRole('row').filter({ hasText: 'lab' });
    await lab.getByRole('button', { name: 'Sync now' }).click();
    await lab.getByText(/\d+ guests: \d+ added, \d+ updated, \d+ gone/).waitFor();

    await page.getByLabel(/^Reached through an agent/).check();
    await page.getByLabel('Name', { exact: true }).fill('remote');
    await page.getByRole('button', { name: 'Register' }).click();
    const keys = page.getByRole('region', { name: 'Agent keys of remote' });
    await keys.getByText('No keys yet').waitFor();
    await keys.getByLabel('Key name').fill('pve1-agent');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const key = keys.getByTestId('agent-key');
    await key.waitFor();
    expect(((await key.textContent()) ?? '').length).toBeGreaterThan(20);
    await keys.getByRole('button', { name: 'Copy agent key' }).click();
    expect(await clipboard(page)).toBe(await key.textContent());
    await screenshot(page, 'settings-agent-key');
    await keys.getByRole('button', { name: 'Done' }).click();
    expect(await keys.getByTestId('agent-key').count()).toBe(0);

    await keys.getByRole('button', { name: 'Revoke key pve1-agent' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('disconnected at once');
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await keys.getByRole('row').filter({ hasText: 'pve1-agent' }).locator('time').nth(1).waitFor();
    expect(await keys.getByRole('button', { name: 'Revoke key pve1-agent' }).count()).toBe(0);
    await screenshot(page, 'settings');
  }, 120_000);
});
