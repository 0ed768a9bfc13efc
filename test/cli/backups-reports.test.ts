import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { cliRunner } from './cli-harness.ts';

/**
 * The command groups added with backups and reports (backups, backup policies, dry run, reports,
 * settings, the snapshot tree, agent keys) against the real local service and the simulator.
 */

let api: TestApi;
let cli: ReturnType<typeof cliRunner>['run'];

beforeAll(async () => {
  api = await startTestApi();
  const token = await api.runtime.token('clib', 'admin');
  cli = cliRunner({ env: { PVESNAP_URL: api.url, PVESNAP_TOKEN: token } }).run;
  const admin = await api.as('clib', 'admin');
  expect((await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).status).toBe(201);
});
afterAll(() => api.stop());

describe('pvesnap backups', () => {
  it('creates a backup policy, dry-runs and runs it, then reads, protects, restores and deletes its archive', async () => {
    const created = await cli([
      'policies',
      'create',
      '--name',
      'nightly-backup',
      '--cron',
      '0 3 * * *',
      '--guest',
      'lab/100',
      '--storage',
      'backup-nfs',
      '--notes-template',
      '{{guestname}}',
      '--keep-daily',
      '7',
      '-o',
      'json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json()).toMatchObject({
      kind: 'backup',
      backup: { storage: 'backup-nfs', notesTemplate: '{{guestname}}' },
    });
    expect((await cli(['policies', 'list'])).stdout).toMatch(/nightly-backup\s+backup\s+yes\s/);

    const plan = await cli(['policy', 'dry-run', 'nightly-backup', '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json().targets.map((target: { vmid: number }) => target.vmid)).toEqual([100]);
    const described = await cli(['policy', 'dry-run', 'nightly-backup']);
    expect(described.stdout).toContain('now would take 1 guest(s) (100) in 1 lane(s)');
    expect(described.stdout).toMatch(/^NODE\s+AT ONCE\s+GUESTS\s+EXPECTED\npve1\s+1\s+100\s/m);

    const run = await cli(['policy', 'run', 'nightly-backup', '--wait', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json().status).toBe('succeeded');

    const listed = await cli(['backups', 'list', '--policy', 'nightly-backup', '-o', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const [backup] = listed.json();
    expect(backup).toMatchObject({ vmid: 100, storage: 'backup-nfs', status: 'created', origin: 'policy' });
    const table = await cli(['backups', 'list', '--guest', 'lab/100']);
    expect(table.stdout.split('\n')[0]).toMatch(/^VOLID\s+GUEST\s+SIZE\s+STATUS/);
    expect(table.stdout).toContain(`${backup.volid}  lab/100`);
    expect(table.stdout).toMatch(/\d+(\.\d+)? (KiB|MiB|GiB)/);

    // By volid, as Proxmox shows it, as well as by id.
    const got = await cli(['backups', 'get', backup.volid, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json().id).toBe(backup.id);

    const protectedBackup = await cli([
      'backups',
      'update',
      backup.id,
      '--notes',
      'before the upgrade',
      '--protect',
      '-o',
      'json',
    ]);
    expect(protectedBackup.json()).toMatchObject({ notes: 'before the upgrade', protected: true });
    const refused = await cli(['backups', 'delete', backup.id]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('cannot remove protected archive');

    const restored = await cli([
      'backups',
      'restore',
      backup.id,
      '--new-guest',
      '--name',
      'web-copy',
      '--wait',
      '-o',
      'json',
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.json()).toMatchObject({ kind: 'restore-backup-new-guest', status: 'succeeded' });
    const newGuest = restored.json().result.newGuestId;
    const guest = await cli(['guests', 'get', newGuest, '-o', 'json']);
    expect(guest.json().name).toBe('web-copy');

    expect((await cli(['backups', 'update', backup.id, '--unprotect'])).code).toBe(0);
    const deleted = await cli(['backups', 'rm', backup.volid, '-o', 'json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.json().status).toBe('deleted');
  }, 120_000);

  it('refuses contradictory restore options before calling the API (exit 1)', async () => {
    const both = await cli(['backups', 'restore', 'bk_x', '--new-guest', '--overwrite']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--new-guest or --overwrite');
    const notAVolid = await cli(['backups', 'get', 'vzdump-qemu-100.vma']);
    expect(notAVolid.code).toBe(1);
    const unknown = await cli([
      'backups',
      'get',
      'backup-nfs:backup/vzdump-qemu-999-2026_01_01-00_00_00.vma.zst',
    ]);
    expect(unknown.code).toBe(2);
  });
});

describe('pvesnap reports', () => {
  it('shows coverage and RPO per guest, as a table with totals and as JSON', async () => {
    const coverage = await cli(['reports', 'coverage', '-o', 'json']);
    expect(coverage.code, coverage.stderr).toBe(0);
    const report = coverage.json();
    expect(report.totals.guests).toBe(report.items.length);
    expect(report.items.find((item: { vmid: number }) => item.vmid === 100)?.state).toBe('covered');
    const table = await cli(['reports', 'coverage', '--state', 'covered']);
    expect(table.stdout).toMatch(/^lab\/100\s+web-01\s+pve1\s+covered\s+nightly-backup \(backup\)$/m);
    expect(table.stderr).toMatch(/\d+ guests: 1 covered/);

    // The first test deleted its archive: a new run makes the guest's newest backup a fresh one.
    expect((await cli(['policy', 'run', 'nightly-backup', '--wait'])).code).toBe(0);
    const rpo = await cli(['reports', 'rpo', '-o', 'json']);
    expect(rpo.code, rpo.stderr).toBe(0);
    const guest = rpo.json().items.find((item: { vmid: number }) => item.vmid === 100);
    expect(guest.backup.state).toBe('ok');
  }, 120_000);

  it('writes the compliance report as CSV and HTML files, and prints statistics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pvesnap-reports-'));
    const csv = await cli(['reports', 'compliance', '--format', 'csv', '--out-file', join(dir, 'c.csv')]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(readFileSync(join(dir, 'c.csv'), 'utf8').split('\n')[0]).toMatch(/^section,/);
    expect(csv.stdout).toBe('');
    const html = await cli(['reports', 'compliance', '--format', 'html', '--out-file', join(dir, 'c.html')]);
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(join(dir, 'c.html'), 'utf8')).toContain('nightly-backup');
    const json = await cli(['reports', 'compliance', '-o', 'json']);
    expect(json.json().policies.map((policy: { policyName: string }) => policy.policyName)).toContain(
      'nightly-backup',
    );
    expect((await cli(['reports', 'compliance', '--format', 'pdf'])).code).toBe(1);

    // A run is bucketed by its tick; a period that ends a little ahead holds a run started just now.
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const stats = await cli(['reports', 'stats', '--bucket', 'hour', '--to', to, '-o', 'json']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(stats.json().bucket).toBe('hour');
    expect(
      stats.json().runs.some((bucket: { succeeded: number }) => bucket.succeeded > 0),
      JSON.stringify(stats.json().runs.slice(-3)),
    ).toBe(true);
  });
});

describe('pvesnap settings', () => {
  it('reads and changes the tenant settings, refusing a zone that is not IANA (exit 3)', async () => {
    expect((await cli(['settings', 'get', '-o', 'json'])).json().timezone).toBe('UTC');
    const changed = await cli([
      'settings',
      'set',
      '--timezone',
      'europe/berlin',
      '--unprotected-guest-events',
      'on',
      '-o',
      'json',
    ]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.json()).toMatchObject({ timezone: 'Europe/Berlin', unprotectedGuestEvents: true });
    const bad = await cli(['settings', 'set', '--timezone', 'Mars/Olympus']);
    expect(bad.code).toBe(3);
    expect((await cli(['settings', 'set'])).code).toBe(1);
  });
});

describe('pvesnap snapshots tree', () => {
  it("draws the guest's snapshots parents first with where its present state stands", async () => {
    for (const name of ['first', 'second'])
      expect((await cli(['snapshot', 'create', 'lab/101', name, '--wait'])).code).toBe(0);
    const json = await cli(['snapshots', 'tree', 'lab/101', '-o', 'json']);
    expect(json.json().current.parent).toBe('second');
    const drawn = (await cli(['snapshots', 'tree', 'lab/101'])).stdout.split('\n');
    const first = drawn.findIndex((line) => line.startsWith('first '));
    expect(drawn[first + 1]).toMatch(/^ {2}second /);
    expect(drawn[first + 2]).toMatch(/^ {4}NOW/);
  });
});

describe('pvesnap agent clusters', () => {
  it('registers an agent cluster, creates a key shown once, lists and revokes it by name', async () => {
    const cluster = await cli(['clusters', 'create', '--name', 'remote', '--agent', '-o', 'json']);
    expect(cluster.code, cluster.stderr).toBe(0);
    expect(cluster.json().connection).toBe('agent');
    const key = await cli(['clusters', 'keys', 'create', 'remote', '--name', 'pve1', '-o', 'json']);
    expect(key.code, key.stderr).toBe(0);
    expect(key.json().key).toEqual(expect.any(String));
    expect(key.stderr).toContain('shown this once');
    const listed = await cli(['clusters', 'keys', 'list', 'remote', '-o', 'json']);
    expect(listed.json()).toEqual([expect.not.objectContaining({ key: expect.anything() })]);
    expect((await cli(['clusters', 'keys', 'revoke', 'remote', 'pve1'])).code).toBe(0);
    expect((await cli(['clusters', 'keys', 'list', 'remote', '-o', 'json'])).json()[0].revokedAt).toEqual(
      expect.any(String),
    );
    expect((await cli(['clusters', 'keys', 'revoke', 'remote', 'pve1'])).code).toBe(2);
    expect((await cli(['clusters', 'create', '--name', 'x', '--agent', '--token-id', 'a@pve!b'])).code).toBe(
      1,
    );
  });
});
