import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findFreePort } from '#shared/local/free-port.ts';
import { startServiceProcess, waitFor } from '#test/support/processes.ts';
import { buildCli } from '../../cli/build.ts';

/**
 * The single-file build (`npm run build:cli`) run as a process of its own, as users run it,
 * against `npm start` (the demo tenant and its simulated cluster `lab`): every command group,
 * results parsed back from `-o json`/`-o yaml`, the exit codes of 4xx and 5xx answers, `--wait`.
 */

let started: Awaited<ReturnType<typeof startServiceProcess>>;
let dataDir: string;
let cliFile: string;
let bytes: number;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pvesnap-start-'));
  cliFile = join(mkdtempSync(join(tmpdir(), 'pvesnap-build-')), 'pvesnap.mjs');
  // Quick workflow waits: the test is about the CLI, not Proxmox's pace.
  [started, { bytes }] = await Promise.all([
    startServiceProcess(dataDir, { WORKFLOW_TIME_FACTOR: '0.1' }),
    buildCli(cliFile),
  ]);
  env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'pvesnap-config-')) };
}, 240_000);

afterAll(async () => {
  started?.service.child.kill('SIGTERM');
  await started?.service.exited;
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function pvesnap(args: string[], extra: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    // Outside the repository: the bundle needs no node_modules.
    const child = spawn(process.execPath, [cliFile, ...args], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env, ...extra },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A command that must succeed, its stdout parsed as JSON. */
async function json<T = any>(args: string[]): Promise<T> {
  const result = await pvesnap([...args, '-o', 'json']);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The confirmation code in the newest mail of the built-in mailbox (DATA_DIR/mail). */
function mailedCode(): string {
  const folder = join(dataDir, 'mail');
  const newest = readdirSync(folder)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => ({ name, at: statSync(join(folder, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at)[0];
  const code =
    newest && /confirmation code is (\d{6})/.exec(readFileSync(join(folder, newest.name), 'utf8'))?.[1];
  if (!code) throw new Error('no confirmation code in the mailbox');
  return code;
}

describe('the built pvesnap.mjs against npm start', () => {
  it('logs in with a token of the local sign-in, keeping it in a file of mode 0600', async () => {
    expect(bytes).toBeGreaterThan(0);
    const signIn = await fetch(`${started.url}/local/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const login = await pvesnap(['login', '--url', started.url, '--token', token]);
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(join(env.XDG_CONFIG_HOME as string, 'pvesnap', 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('clusters and guests: the demo cluster lab, read by name, synced, its guests as lab/<vmid>', async () => {
    const clusters = await json<Array<{ name: string }>>(['clusters', 'list']);
    expect(clusters.map((cluster) => cluster.name)).toEqual(['lab']);
    expect((await json(['clusters', 'get', 'lab'])).connection).toBe('agent');
    expect((await json(['clusters', 'sync', 'lab'])).total).toBeGreaterThan(0);
    expect((await json<unknown[]>(['clusters', 'keys', 'list', 'lab'])).length).toBeGreaterThan(0);

    const web = await json<Array<{ vmid: number }>>(['guests', 'list', '--cluster', 'lab', '--tag', 'web']);
    expect(web.map((guest) => guest.vmid).sort()).toEqual([100, 101]);
    const yaml = await pvesnap(['guests', 'get', 'lab/101', '-o', 'yaml']);
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parse(yaml.stdout)).toMatchObject({ vmid: 101, name: 'web-02' });
  });

  it('policies and runs: created, changed and run by name with --wait and its progress line', async () => {
    const created = await json([
      'policies',
      'create',
      '--name',
      'cli-web',
      '--cron',
      '0 2 * * *',
      '--tag',
      'web',
      '--keep-daily',
      '7',
    ]);
    expect(created).toMatchObject({ name: 'cli-web', selector: { tags: ['web'] } });
    expect((await json(['policies', 'get', 'cli-web'])).id).toBe(created.id);
    expect((await json(['policy', 'update', 'cli-web', '--keep-daily', '3'])).retention).toEqual({
      keepDaily: 3,
    });
    expect((await json<Array<{ name: string }>>(['policies', 'list'])).map((p) => p.name)).toContain(
      'cli-web',
    );

    const run = await pvesnap(['policy', 'run', 'cli-web', '--wait', '--interval', '0.2', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', targets: 2, succeeded: 2 });
    expect(run.stderr).toMatch(/run \S+ \(cli-web\): succeeded, 2\/2 guests done/);
    const runId = JSON.parse(run.stdout).id as string;
    expect(
      (await json<Array<{ id: string }>>(['runs', 'list', '--policy', 'cli-web'])).map((r) => r.id),
    ).toContain(runId);
    expect((await json(['runs', 'get', runId])).results).toHaveLength(2);
  });

  it('snapshots and operations: taken, listed, restored into a new guest and deleted, each waited for', async () => {
    const taken = await json(['snapshot', 'create', 'lab/102', 'cli-base', '--wait', '--interval', '0.2']);
    expect(taken).toMatchObject({ kind: 'snapshot', status: 'succeeded' });
    expect(
      (await json<Array<{ name: string }>>(['snapshots', 'list', 'lab/102'])).map((s) => s.name),
    ).toContain('cli-base');
    expect((await json(['snapshots', 'get', 'lab/102', 'cli-base'])).name).toBe('cli-base');
    expect(
      (await json(['snapshots', 'update', 'lab/102', 'cli-base', '--description', 'from the CLI']))
        .description,
    ).toBe('from the CLI');

    const copy = await json([
      'snapshot',
      'restore',
      'lab/102',
      'cli-base',
      '--new-guest',
      '--name',
      'cli-copy',
      '--wait',
      '--interval',
      '0.2',
    ]);
    expect(copy).toMatchObject({ kind: 'restore-new-guest', status: 'succeeded' });
    expect((await json(['guests', 'get', copy.result.newGuestId])).name).toBe('cli-copy');

    const deleted = await json(['snapshot', 'delete', 'lab/102', 'cli-base', '--wait', '--interval', '0.2']);
    expect(deleted.status).toBe('succeeded');
    const operations = await json<Array<{ id: string }>>(['operations', 'list', '--guest', 'lab/102']);
    expect(operations.map((operation) => operation.id)).toEqual(
      expect.arrayContaining([taken.id, copy.id, deleted.id]),
    );
    expect((await json(['operations', 'get', copy.id])).kind).toBe('restore-new-guest');
  });

  it('backups: a backup policy run with --wait, its archive read by volid, changed and deleted', async () => {
    await json([
      'policies',
      'create',
      '--name',
      'cli-backup',
      '--cron',
      '0 3 * * *',
      '--guest',
      'lab/200',
      '--storage',
      'backup-nfs',
    ]);
    const run = await json(['policy', 'run', 'cli-backup', '--wait', '--interval', '0.2']);
    expect(run.status).toBe('succeeded');
    const [backup] = await json<Array<{ id: string; volid: string }>>([
      'backups',
      'list',
      '--guest',
      'lab/200',
    ]);
    expect(backup).toBeDefined();
    expect((await json(['backups', 'get', backup?.volid as string])).id).toBe(backup?.id);
    expect((await json(['backups', 'update', backup?.id as string, '--notes', 'kept'])).notes).toBe('kept');
    expect((await json(['backups', 'delete', backup?.id as string])).status).toBe('deleted');
  });

  it('exclusions, subscriptions (an email confirmed with the mailed code) and the audit trail', async () => {
    const excluded = await json([
      'exclusions',
      'create',
      'lab/101',
      '--policy',
      'cli-web',
      '--reason',
      'migrating',
    ]);
    expect((await json<unknown[]>(['exclusions', 'list', '--policy', 'cli-web'])).length).toBe(1);
    expect((await pvesnap(['exclusions', 'delete', excluded.id])).code).toBe(0);

    const hook = 'http://127.0.0.1:9/cli-hook';
    expect((await json(['subscriptions', 'create', '--webhook', hook])).secret).toMatch(/^whsec_/);
    expect((await json(['subscriptions', 'update', hook, '--description', 'pager'])).description).toBe(
      'pager',
    );
    expect((await json(['subscriptions', 'get', hook])).description).toBe('pager');
    expect((await pvesnap(['subscriptions', 'delete', hook])).code).toBe(0);

    const email = await json(['subscriptions', 'create', '--email', 'ops@example.com']);
    expect(email.status).toBe('pending');
    const mailbox = join(dataDir, 'mail');
    await waitFor(
      () => existsSync(mailbox) && readdirSync(mailbox).some((name) => name.endsWith('.eml')),
      30_000,
      'the confirmation mail',
    );
    const confirmed = await json(['subscriptions', 'confirm', 'ops@example.com', mailedCode()]);
    expect(confirmed.status).toBe('active');
    expect((await json<Array<{ status: string }>>(['subscriptions', 'list'])).map((s) => s.status)).toEqual([
      'active',
    ]);

    const audit = await json<Array<{ action: string }>>(['audit', 'list', '--action', 'policy.create']);
    expect(audit.length).toBe(2);
    const csv = await pvesnap(['audit', 'list', '--csv']);
    expect(csv.stdout).toContain('subscription.confirm');
  });

  it('exits 1 on a usage error, 2 on 404, 3 on 400, 4 on 401 and 5 on a 5xx answer', async () => {
    expect((await pvesnap(['policies', 'frobnicate'])).code).toBe(1);
    expect((await pvesnap(['policies', 'get', 'nothing-by-this-name'])).code).toBe(2);
    const invalid = await pvesnap(['policies', 'create', '--name', 'bad', '--cron', '0 0 31 2 *', '--all']);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('schedule.cron');
    expect((await pvesnap(['policies', 'list', '--token', 'wrong'])).code).toBe(4);
    // A Proxmox no one answers: the service says 502 proxmox-unreachable.
    const unreachable = await pvesnap(
      [
        'clusters',
        'create',
        '--name',
        'nowhere',
        '--proxmox-url',
        `https://127.0.0.1:${await findFreePort()}`,
        '--token-id',
        'snap@pve!cli',
        '--fingerprint',
        Array.from({ length: 32 }, () => 'AB').join(':'),
      ],
      { PVESNAP_CLUSTER_TOKEN_SECRET: 'secret' },
    );
    expect(unreachable.code, unreachable.stderr).toBe(5);
    expect(unreachable.stderr).toContain('HTTP 502');
  });
});
