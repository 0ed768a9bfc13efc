import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { buildCli } from '../../cli/build.ts';

/** The single-file build (`npm run build:cli`) run as a process of its own, as users run it. */

let api: TestApi;
let cliFile: string;
let bytes: number;

beforeAll(async () => {
  const folder = mkdtempSync(join(tmpdir(), 'pvesnap-build-'));
  cliFile = join(folder, 'pvesnap.mjs');
  [api, { bytes }] = await Promise.all([startTestApi(), buildCli(cliFile)]);
  const admin = await api.as('built', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
});
afterAll(() => api.stop());

function pvesnap(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Outside the repository: the bundle needs no node_modules.
    const child = spawn(process.execPath, [cliFile, ...args], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', HOME: env.HOME ?? tmpdir(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the built pvesnap.mjs', () => {
  it('logs in (file mode 0600), creates a policy, runs it with --wait and exits with the documented codes', async () => {
    expect(bytes).toBeGreaterThan(0);
    const config = mkdtempSync(join(tmpdir(), 'pvesnap-config-'));
    const env = { XDG_CONFIG_HOME: config };
    const token = await api.runtime.token('built', 'admin');

    const login = await pvesnap(['login', '--url', api.url, '--token', token], env);
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(join(config, 'pvesnap', 'config.json')).mode & 0o777).toBe(0o600);

    const created = await pvesnap(
      ['policies', 'create', '--name', 'web', '--cron', '0 2 * * *', '--tag', 'web', '-o', 'json'],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).name).toBe('web');

    const run = await pvesnap(['policy', 'run', 'web', '--wait', '--interval', '0.2', '-o', 'json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'succeeded', targets: 2, succeeded: 2 });
    expect(run.stderr).toMatch(/run \S+ \(web\): succeeded/);

    expect((await pvesnap(['policies', 'get', 'nothing-by-this-name'], env)).code).toBe(2);
    expect((await pvesnap(['policies', 'list', '--token', 'wrong'], env)).code).toBe(4);
    expect((await pvesnap(['policies', 'frobnicate'], env)).code).toBe(1);
  });
});
