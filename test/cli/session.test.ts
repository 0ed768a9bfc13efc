import { mkdtempSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '#shared/local/free-port.ts';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { buildProgram } from '../../cli/program.ts';
import { cliRunner } from './cli-harness.ts';

/** Logging in, where the URL and token come from, exit codes, help and completion. */

let api: TestApi;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi();
  adminToken = await api.runtime.token('session', 'admin');
  const admin = await api.as('session', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
});
afterAll(() => api.stop());

describe('pvesnap login', () => {
  it('checks the token, stores URL and token in $XDG_CONFIG_HOME/pvesnap with mode 0600, and later commands use them', async () => {
    const config = mkdtempSync(join(tmpdir(), 'pvesnap-config-'));
    const { run } = cliRunner({ env: { XDG_CONFIG_HOME: config } });
    const login = await run(['login', '--url', api.url, '--token', adminToken]);
    expect(login.code, login.stderr).toBe(0);
    const file = join(config, 'pvesnap', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, 'pvesnap')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: api.url, token: adminToken });

    const clusters = await run(['clusters', 'list', '-o', 'json']);
    expect(clusters.code, clusters.stderr).toBe(0);
    expect(clusters.json().map((cluster: { name: string }) => cluster.name)).toEqual(['lab']);

    expect((await run(['logout'])).code).toBe(0);
    const after = await run(['clusters', 'list']);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('not logged in');
  });

  it('uses ~/.config/pvesnap without XDG_CONFIG_HOME, and reads the token from stdin with --token-stdin', async () => {
    const { run, homeDir } = cliRunner();
    const login = await run(['login', '--url', api.url, '--token-stdin'], { stdin: `${adminToken}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(statSync(join(homeDir, '.config', 'pvesnap', 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('stores nothing when the API refuses the token (exit 4)', async () => {
    const config = mkdtempSync(join(tmpdir(), 'pvesnap-config-'));
    const { run } = cliRunner({ env: { XDG_CONFIG_HOME: config } });
    const login = await run(['login', '--url', api.url, '--token', 'not-a-token']);
    expect(login.code).toBe(4);
    expect(login.stderr).toContain('HTTP 401');
    expect(() => statSync(join(config, 'pvesnap', 'config.json'))).toThrow();
  });

  it('prefers --url/--token over PVESNAP_URL/PVESNAP_TOKEN over the stored login', async () => {
    const viewerToken = await api.runtime.token('session', 'viewer');
    const config = mkdtempSync(join(tmpdir(), 'pvesnap-config-'));
    const { run } = cliRunner({ env: { XDG_CONFIG_HOME: config } });
    expect((await run(['login', '--url', api.url, '--token', viewerToken])).code).toBe(0);
    const policy = ['policies', 'create', '--name', 'who', '--cron', '0 1 * * *', '--all'];
    // Stored: a viewer, refused.
    expect((await run(policy)).code).toBe(4);
    // The environment's admin token wins over the stored one.
    const fromEnv = await run(policy, { env: { PVESNAP_TOKEN: adminToken } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    // The flag wins over the environment: a wrong token is refused.
    expect(
      (await run(['policies', 'list', '--token', 'wrong'], { env: { PVESNAP_TOKEN: adminToken } })).code,
    ).toBe(4);
  });
});

describe('exit codes', () => {
  const admin = () => cliRunner({ env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: adminToken } }).run;

  it('0 on success, 1 on a usage error', async () => {
    expect((await admin()(['policies', 'list'])).code).toBe(0);
    const unknown = await admin()(['policies', 'list', '--no-such-option']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown option '--no-such-option'");
    expect((await admin()(['policies', 'get'])).code).toBe(1);
    expect((await admin()(['guests', 'list', '-o', 'xml'])).code).toBe(1);
  });

  it('2 on a 404 from the API and on a name that matches nothing', async () => {
    const byId = await admin()(['runs', 'get', 'run_01JD7W3M4Q8ZC5N2R6T9V0X1Y2']);
    expect(byId.code).toBe(2);
    expect(byId.stderr).toContain('HTTP 404 not-found');
    expect((await admin()(['guests', 'get', 'lab/999'])).code).toBe(2);
    expect((await admin()(['policies', 'get', 'no-such-policy'])).code).toBe(2);
  });

  it('3 on 400, 409 and 422, listing each violated rule', async () => {
    const invalid = await admin()(['policies', 'create', '--name', 'bad', '--cron', '0 0 31 2 *', '--all']);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('HTTP 400 validation-failed');
    expect(invalid.stderr).toMatch(/^ {2}schedule\.cron: .*never fires/m);

    expect(
      (await admin()(['policies', 'create', '--name', 'twice', '--cron', '0 1 * * *', '--all'])).code,
    ).toBe(0);
    const conflict = await admin()(['policies', 'create', '--name', 'twice', '--cron', '0 1 * * *', '--all']);
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toContain('HTTP 409');

    const unknownGuest = await admin()(['exclusions', 'create', 'lab/999', '--reason', 'x']);
    expect(unknownGuest.code).toBe(3);
    expect(unknownGuest.stderr).toContain('HTTP 422 unknown-reference');
  });

  it('4 on 401 and on 403 (naming the role needed)', async () => {
    const { run } = cliRunner({ env: { PVESNAP_URL: api.url } });
    const refused = await run(['clusters', 'list', '--token', 'not-a-token']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('run pvesnap login again');
    const viewer = await api.runtime.token('session', 'viewer');
    const forbidden = await run(['clusters', 'sync', 'lab', '--token', viewer]);
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toContain('HTTP 403');
    expect(forbidden.stderr).toContain('needs role: operator');
  });

  it('5 on a 5xx answer and when nothing listens', async () => {
    // The service answers 502 proxmox-unreachable for a cluster it cannot reach.
    const body = api.clusterBody();
    const unreachableProxmox = await admin()([
      'clusters',
      'create',
      '--name',
      'nowhere',
      '--proxmox-url',
      `https://127.0.0.1:${await findFreePort()}`,
      '--token-id',
      String(body.tokenId),
      '--token-secret',
      String(body.tokenSecret),
    ]);
    expect(unreachableProxmox.code, unreachableProxmox.stderr).toBe(5);
    expect(unreachableProxmox.stderr).toMatch(/HTTP 502 proxmox-unreachable/);

    const { run } = cliRunner({
      env: { PVESNAP_URL: `http://127.0.0.1:${await findFreePort()}`, PVESNAP_TOKEN: adminToken },
    });
    const down = await run(['policies', 'list']);
    expect(down.code).toBe(5);
    expect(down.stderr).toContain('cannot reach');
  });
});

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [
    [...prefix, sub.name()],
    ...commandPaths(sub, [...prefix, sub.name()]),
  ]);
}

describe('help and completion', () => {
  it('answers --help on every command with its usage, exit 0', async () => {
    const { run } = cliRunner();
    const paths = commandPaths(buildProgram({} as never));
    expect(paths.length).toBeGreaterThan(40);
    for (const path of [[], ...paths]) {
      const help = await run([...path, '--help']);
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout, path.join(' ')).toContain(
        `Usage: pvesnap${path.length ? ` ${path.join(' ')}` : ''}`,
      );
    }
    expect((await run(['--help'])).stdout).toContain('Exit codes:');
  });

  it('prints bash and zsh completion scripts that ask pvesnap for candidates', async () => {
    const { run } = cliRunner();
    expect((await run(['completion', 'bash'])).stdout).toContain(
      'complete -o default -F _pvesnap_complete pvesnap',
    );
    expect((await run(['completion', 'zsh'])).stdout).toContain('compdef _pvesnap pvesnap');
    expect((await run(['completion', 'fish'])).code).toBe(1);
  });

  it('completes commands, subcommands, options and option values', async () => {
    const { run } = cliRunner();
    const lines = async (...words: string[]) =>
      (await run(['__complete', ...words])).stdout.trim().split('\n');
    expect(await lines('po')).toEqual(['policies']);
    expect(await lines('policy', '')).toEqual(
      expect.arrayContaining(['list', 'get', 'create', 'update', 'delete', 'run', 'next-runs']),
    );
    expect(await lines('snapshots', 'restore', '--new')).toEqual(['--new-guest']);
    expect(await lines('guests', 'list', '--output', '')).toEqual(['table', 'json', 'yaml']);
  });
});
