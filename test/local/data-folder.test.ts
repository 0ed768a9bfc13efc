import { execFile } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startServiceProcess, waitFor } from '#test/support/processes.ts';

/**
 * Every entry under `root` (itself included) with its permission bits, e.g. `['mail/a.eml', 0o600]`.
 * One gone between its folder's listing and its own look (SQLite's journal while the table writes) is left out.
 */
function modes(root: string, relative = ''): Array<[string, number, 'folder' | 'file']> {
  const path = join(root, relative);
  const info = lstatSync(path, { throwIfNoEntry: relative === '' });
  if (!info) return [];
  const own: [string, number, 'folder' | 'file'] = [
    relative || '.',
    info.mode & 0o777,
    info.isDirectory() ? 'folder' : 'file',
  ];
  if (!info.isDirectory()) return [own];
  return [own, ...readdirSync(path).flatMap((entry) => modes(root, join(relative, entry)))];
}

describe('the data folder of npm start', () => {
  it('is private: folders 0700 and files 0600 (keys, secrets, table, simulator, mail), an open one tightened at start', async () => {
    // A data folder left open by an earlier version: readable folder, readable mail.
    const dataDir = join(mkdtempSync(join(tmpdir(), 'data-folder-')), 'data');
    mkdirSync(join(dataDir, 'mail'), { recursive: true });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'mail'), 0o755);
    writeFileSync(join(dataDir, 'mail', 'earlier.eml'), 'Subject: old\r\n\r\nold');
    chmodSync(join(dataDir, 'mail', 'earlier.eml'), 0o644);

    const { service, url } = await startServiceProcess(dataDir, {
      XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'data-folder-runtime-')),
    });
    try {
      expect(service.output()).toContain('the data folder was open to other users; it is private now');
      const token = (
        await promisify(execFile)(
          process.execPath,
          ['shared/local/token-cli.ts', '--tenant', 'demo', '--role', 'admin'],
          { env: { ...process.env, DATA_DIR: dataDir } },
        )
      ).stdout.trim();
      // A confirmation mail lands in the built-in mailbox as an .eml file.
      const subscribed = await fetch(`${url}/v1/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'email', target: 'me@example.com' }),
      });
      expect(subscribed.status).toBe(201);
      // A webhook's signing secret lands in the local secret store (the demo cluster's Proxmox
      // token does not: its agent holds it).
      const webhook = await fetch(`${url}/v1/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'webhook', target: 'http://127.0.0.1:9/hook' }),
      });
      expect(webhook.status).toBe(201);
      const mailbox = join(dataDir, 'mail');
      await waitFor(
        () => readdirSync(mailbox).filter((f) => f.endsWith('.eml')).length === 2,
        10_000,
        'the mail',
      );

      const entries = modes(dataDir);
      const files = entries.filter(([, , kind]) => kind === 'file').map(([path]) => path);
      // Every kind of state is there, so the modes below cover each of them.
      for (const expected of [
        /^dynamodb\/.+/,
        /^keys\/jwt-signing\.json$/,
        /^keys\/secrets\.key$/,
        /^keys\/demo-agent\.key$/,
        /^secrets\/.+\.json$/,
        /^simulator\/state\.json$/,
        /^mail\/.+\.eml$/,
      ]) {
        expect(
          files.some((path) => expected.test(path)),
          String(expected),
        ).toBe(true);
      }
      const open = entries.filter(([, mode, kind]) => mode !== (kind === 'folder' ? 0o700 : 0o600));
      expect(open.map(([path, mode]) => `${path} ${mode.toString(8)}`)).toEqual([]);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }, 180_000);
});
