import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '#shared/local/console/build-console.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { launchChromium, nav, signInAsDemo } from './chromium.ts';

/**
 * Accessibility of the console in Chromium, measured on the rendered screens: every control
 * has a name, every text meets WCAG AA contrast on its actual background, and a keyboard alone
 * signs in, moves between screens and opens and closes a dialog.
 */

let api: TestApi;
let browser: Browser;
let policyId: string;
let runId: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await ensureConsoleBuilt();
  api = await startTestApi();
  const admin = await api.as('demo', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
  const policy = await admin.post('/v1/policies', {
    name: 'a11y',
    schedule: { cron: '0 2 * * *' },
    selector: { tags: ['web'] },
    retention: { keepDaily: 7 },
  });
  policyId = policy.body.id;
  runId = (await admin.post(`/v1/policies/${policyId}/runs`)).body.id;
  await api.runtime.workflows.drain();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await api?.stop();
});

/**
 * What the screen gets wrong, computed in the page: controls without an accessible name, and
 * texts whose colour is below WCAG AA contrast (4.5:1; 3:1 for large text) on the background
 * they are drawn on (the nearest backgrounds blended down to the page's white).
 */
const AUDIT = `(() => {
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0 && style.visibility !== 'hidden';
  };
  const parse = (color) => {
    const m = /rgba?\\(([\\d.]+),?\\s*([\\d.]+),?\\s*([\\d.]+)(?:\\s*[,/]\\s*([\\d.]+))?\\)/.exec(color);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : undefined;
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let at = el; at; at = at.parentElement) {
      const color = parse(getComputedStyle(at).backgroundColor);
      if (color && color[3] > 0) {
        layers.push(color);
        if (color[3] >= 1) break;
      }
    }
    return layers.reverse().reduce((under, layer) => over(layer, under), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const problems = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, .visually-hidden, .skip, option, datalist, script, style, [disabled]')) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!text || !visible(el)) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color);
    if (!fg) continue;
    const bg = background(el);
    const size = parseFloat(style.fontSize);
    const need = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66) ? 3 : 4.5;
    const got = ratio(over(fg, bg), bg);
    if (got < need)
      problems.push('contrast ' + got.toFixed(2) + ' < ' + need + ': "' + text.slice(0, 40) + '" (' + style.color + ' on rgb(' + bg.slice(0, 3).map(Math.round).join(', ') + '))');
  }
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href], progress')) {
    if (!visible(el) && !['checkbox', 'radio'].includes(el.type)) continue;
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent || '').join(' ');
    const name = [
      el.getAttribute('aria-label'),
      labelledBy,
      ...[...(el.labels || [])].map((label) => label.textContent),
      ['BUTTON', 'A'].includes(el.tagName) ? el.textContent : '',
      el.getAttribute('title'),
    ].filter(Boolean).join(' ').trim();
    if (!name) problems.push('no name: ' + el.outerHTML.slice(0, 100));
  }
  return problems;
})()`;

async function audit(page: Page, screen: string): Promise<string[]> {
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByRole('status').first().waitFor({ state: 'detached' });
  const problems = (await page.evaluate(AUDIT)) as string[];
  return problems.map((problem) => `${screen}: ${problem}`);
}

/** The page's document as this file sees it (no DOM types); used inside functions run in the page. */
type PageGlobal = { document: { activeElement: unknown } };

/** Whether the element has the keyboard focus. */
const focused = async (locator: Locator) =>
  await locator.evaluate(
    (element) => element === (globalThis as unknown as PageGlobal).document.activeElement,
  );

/** Presses Tab (or Shift+Tab) until `target` has the focus; fails after `most` presses. */
async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab', most = 40) {
  for (let press = 0; press < most; press += 1) {
    await page.keyboard.press(key);
    if (await focused(target)) return;
  }
  throw new Error(`${key} never reached ${target}`);
}

describe('accessibility of the console', () => {
  it('names every control and draws every text in AA contrast on the main screens', async () => {
    const page = await signInAsDemo(browser, api.url, 'admin');
    contexts.push(page.context());
    const problems: string[] = [];
    problems.push(...(await audit(page, 'Dashboard')));
    for (const screen of [
      'Guests',
      'Policies',
      'Runs',
      'Restore tests',
      'Storage',
      'Audit trail',
      'Subscriptions',
      'Settings',
    ]) {
      await nav(page, screen);
      await page.getByRole('heading', { level: 1, name: screen }).waitFor();
      problems.push(...(await audit(page, screen)));
    }
    for (const [path, screen] of [
      [`/policies/${policyId}`, 'Policy a11y'],
      ['/policies/new', 'New policy'],
      [`/runs/${runId}`, 'Run of a11y'],
      ['/guests/lab%2F100', 'web-01 (100)'],
    ] as const) {
      await page.goto(`${api.url}${path}`);
      await page.getByRole('heading', { level: 1, name: screen }).waitFor();
      problems.push(...(await audit(page, screen)));
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('signs in, changes screens and opens and closes a restore dialog with the keyboard alone', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${api.url}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Sign in as demo admin' }));
    await page.keyboard.press('Enter');
    const dashboard = page.getByRole('heading', { level: 1, name: 'Dashboard' });
    await dashboard.waitFor();
    // A new screen takes the focus to its heading, so a screen reader says where the user is.
    expect(await focused(dashboard)).toBe(true);

    // The skip link is the first stop on a fresh page.
    await page.reload();
    await dashboard.waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page.getByRole('link', { name: 'Skip to content' }))).toBe(true);

    await tabTo(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Guests' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Guests' }).waitFor();
    await tabTo(page, page.getByRole('link', { name: 'web-01' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'web-01 (100)' }).waitFor();
    const restore = page.getByRole('button', { name: /^Restore auto-/ });
    await restore.waitFor();
    await tabTo(page, restore);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The focus is inside the dialog; Escape closes it and gives the focus back.
    expect(
      await dialog.evaluate((element) =>
        (element as unknown as { contains(node: unknown): boolean }).contains(
          (globalThis as unknown as PageGlobal).document.activeElement,
        ),
      ),
    ).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(restore)).toBe(true);
  }, 120_000);
});
