import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Started, startServiceProcess, waitFor } from '#test/support/processes.ts';

const TOKEN_CLI = resolve('shared/local/token-cli.ts');
const REPOSITORY_ROOT = process.cwd();

/**
 * The token command as a user runs it: from `cwd`, with `env` on top of a shell without DATA_DIR.
 * Asynchronous, so the test's event loop keeps serving its HTTP connections meanwhile.
 */
async function runToken(args: string[], env: Record<string, string>, cwd = REPOSITORY_ROOT) {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.DATA_DIR;
  const child = spawn(process.execPath, [TOKEN_CLI, ...args], { cwd, env: { ...base, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const status = await new Promise<number | null>((resolveExit) => child.once('close', resolveExit));
  return { status, stdout, stderr };
}

const guestsStatus = async (url: string, token: string) =>
  (await fetch(`${url}/v1/guests`, { headers: { authorization: `Bearer ${token}` } })).status;

describe('npm run token with a service started with its own DATA_DIR', () => {
  // Where services announce themselves, private to this test so other tests' services stay out.
  const runtimeDir = mkdtempSync(join(tmpdir(), 'token-runtime-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'token-service-'));
  // Stands in for a second service: a live process, announced on port 1 with another data folder.
  const otherRecord = join(runtimeDir, 'pve-snapshots', 'service-1.json');
  let other: ChildProcess;
  const announceOther = () =>
    writeFileSync(
      otherRecord,
      JSON.stringify({
        pid: other.pid,
        url: 'http://127.0.0.1:1',
        port: 1,
        dataDir: '/elsewhere',
        startedAt: new Date().toISOString(),
      }),
      { mode: 0o600 },
    );
  let service: Started;
  let url: string;
  let banner = '';

  beforeAll(async () => {
    other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    mkdirSync(join(runtimeDir, 'pve-snapshots'), { mode: 0o700 });
    announceOther();
    ({ service, url } = await startServiceProcess(dataDir, { XDG_RUNTIME_DIR: runtimeDir }));
    await waitFor(() => service.output().includes('Ctrl-C stops everything'), 30_000, 'the banner');
    banner = service.output();
    rmSync(otherRecord);
  }, 180_000);

  afterAll(async () => {
    await stop(other);
    if (!service) return;
    service.child.kill('SIGTERM');
    await service.exited;
  });

  it('gives, from the repository root and without DATA_DIR, a token the running service accepts', async () => {
    const result = await runToken(['--tenant', 'demo', '--role', 'viewer'], { XDG_RUNTIME_DIR: runtimeDir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(await guestsStatus(url, result.stdout.trim())).toBe(200);
  });

  it('gives with --operator the service operator\u2019s token: the operator route takes it, tenant routes refuse it', async () => {
    const result = await runToken(['--operator', '--subject', 'ops-bob'], { XDG_RUNTIME_DIR: runtimeDir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const token = result.stdout.trim();
    const changed = await fetch(`${url}/operator/tenants/demo/plan`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'dedicated' }),
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({ tenantId: 'demo', plan: 'dedicated' });
    expect(await guestsStatus(url, token)).toBe(403);
    const mixed = await runToken(['--operator', '--tenant', 'demo'], { XDG_RUNTIME_DIR: runtimeDir });
    expect(mixed.status).toBe(2);
  });

  it('tells, at start, that another service runs and which --port picks this one', () => {
    expect(banner).toContain(
      `(services on ports 1 run too: add --port ${new URL(url).port} to sign for this one)`,
    );
  });

  it('with a second service running, refuses to guess and signs for the one named by --port', async () => {
    announceOther();
    try {
      const port = new URL(url).port;
      const ambiguous = await runToken(['--tenant', 'demo', '--role', 'viewer'], {
        XDG_RUNTIME_DIR: runtimeDir,
      });
      expect(ambiguous.status).toBe(1);
      expect(ambiguous.stdout).toBe('');
      expect(ambiguous.stderr).toContain('2 services are running');
      expect(ambiguous.stderr).toContain(`port ${port}, DATA_DIR=${dataDir}`);
      expect(ambiguous.stderr).toContain('--port <port>');
      const chosen = await runToken(['--tenant', 'demo', '--role', 'viewer', '--port', port], {
        XDG_RUNTIME_DIR: runtimeDir,
      });
      expect(chosen.status).toBe(0);
      expect(await guestsStatus(url, chosen.stdout.trim())).toBe(200);
    } finally {
      rmSync(otherRecord, { force: true });
    }
  });

  it('fails, naming DATA_DIR, when DATA_DIR is a folder no service started with, and makes no key there', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'token-empty-'));
    const result = await runToken(['--tenant', 'demo', '--role', 'admin'], {
      XDG_RUNTIME_DIR: runtimeDir,
      DATA_DIR: empty,
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no signing key in DATA_DIR=${empty}`);
    expect(result.stderr).toContain(`DATA_DIR=${dataDir}`);
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('npm run token without a running service', () => {
  it('refuses instead of minting a key in ./.data that no service would check', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'token-cwd-'));
    const result = await runToken(
      ['--tenant', 'demo', '--role', 'admin'],
      { XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'token-none-')) },
      cwd,
    );
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no running service found');
    expect(result.stderr).toContain('DATA_DIR');
    expect(existsSync(join(cwd, '.data'))).toBe(false);
  });

  it('explains its usage, options and environment with --help', async () => {
    const result = await runToken(['--help'], {});
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    for (const text of ['usage: npm run --silent token', '--tenant', '--role', '--subject', '--port']) {
      expect(result.stdout).toContain(text);
    }
    for (const variable of ['DATA_DIR', 'TOKEN_TTL_HOURS', 'XDG_RUNTIME_DIR']) {
      expect(result.stdout).toContain(variable);
    }
  });

  it.each([
    [['--tenant', 'demo', '--role', 'admin', '--tenat', 'x'], "Unknown option '--tenat'"],
    [['--role', 'admin'], '--tenant <id> is required'],
    [['--tenant', 'demo', '--role', 'root'], '--role must be viewer, operator or admin'],
    [
      ['--tenant', 'demo', '--role', 'admin', '--port', 'eighty'],
      "--port must be a port number (1-65535), not 'eighty'",
    ],
    [['--tenant', 'demo', '--role', 'admin', 'extra'], "Unexpected argument 'extra'"],
  ])('answers bad arguments %j with status 2, the reason and a pointer to --help', async (args, reason) => {
    const result = await runToken(args, { XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'token-args-')) });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(reason);
    expect(result.stderr).toContain('--help');
  });
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  await exited;
}
