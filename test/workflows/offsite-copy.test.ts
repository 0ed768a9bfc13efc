import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { archivesOn as archivesOnStorage, runTick } from '#test/support/scheduled-ticks.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

const tick = (policyId: string, scheduledTime: string) => runTick(api, 'acme', policyId, scheduledTime);

const archivesOn = (storage: string, vmid: number) => archivesOnStorage(api, storage, vmid);

async function coverageOf(vmid: number) {
  const report = await admin.get('/v1/reports/coverage?limit=100');
  expect(report.status).toBe(200);
  return report.body.items.find((item: { guestId: string }) => item.guestId === `${clusterId}.${vmid}`);
}

describe('an off-site copy of a backup policy', () => {
  it('backs the guests up a second time to another storage, on its own schedule and retention, and counts off-site protection only while the copy is younger than its interval', async () => {
    const guests = [`${clusterId}.100`, `${clusterId}.200`];
    const source = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'nightly-local',
        kind: 'backup',
        schedule: { cron: '0 3 * * *', timezone: 'UTC' },
        backup: { storage: 'local' },
        selector: { guests },
        retention: { keepLast: 3 },
      }),
    );
    expect(source.status).toBe(201);
    const copyBody = (overrides: Record<string, unknown>) =>
      policyBody({
        name: 'offsite-nfs',
        kind: 'backup',
        schedule: { cron: '0 5 * * *', timezone: 'UTC' },
        selector: { guests },
        retention: { keepLast: 1 },
        ...overrides,
      });

    // Refused, with nothing stored: the same storage as the source, a source that does not exist.
    const before = (await admin.get('/v1/policies')).body.items.length;
    const sameStorage = await admin.post(
      '/v1/policies',
      copyBody({ backup: { storage: 'local', copyOf: source.body.id } }),
    );
    expect(sameStorage.status).toBe(422);
    expect(sameStorage.body.errors[0]).toMatchObject({
      path: 'backup.copyOf',
      rule: 'backup.copy-of.storage',
    });
    const unknown = await admin.post(
      '/v1/policies',
      copyBody({ backup: { storage: 'backup-nfs', copyOf: 'pol_01JD0000000000000000000000' } }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0]).toMatchObject({ rule: 'backup.copy-of.missing' });
    expect((await admin.get('/v1/policies')).body.items.length).toBe(before);

    const copy = await admin.post(
      '/v1/policies',
      copyBody({ backup: { storage: 'backup-nfs', copyOf: source.body.id } }),
    );
    expect(copy.status).toBe(201);
    expect(copy.body.backup).toMatchObject({ storage: 'backup-nfs', copyOf: source.body.id });

    // Before any copy exists the guest is covered by both kinds, not overlapping, and not off-site protected.
    api.setNow(Date.parse('2026-11-02T02:00:00.000Z'));
    const bare = await coverageOf(100);
    expect(bare.state).toBe('covered');
    expect(bare.policies.map((policy: { kind: string }) => policy.kind).sort()).toEqual([
      'backup',
      'offsite',
    ]);
    expect(bare.offsite).toMatchObject({
      protected: false,
      expectedMinutes: 1440,
      policyIds: [copy.body.id],
    });

    for (const day of ['2026-11-02', '2026-11-03']) {
      await tick(source.body.id, `${day}T03:00:00.000Z`);
      const copyRun = await tick(copy.body.id, `${day}T05:00:00.000Z`);
      expect((await admin.get(`/v1/runs/${copyRun}`)).body).toMatchObject({
        status: 'succeeded',
        succeeded: 2,
      });
    }
    // Each policy on its own storage with its own retention: the source keeps both, the copy its newest.
    for (const vmid of [100, 200]) {
      expect(archivesOn('local', vmid)).toHaveLength(2);
      expect(archivesOn('backup-nfs', vmid)).toHaveLength(1);
      expect(archivesOn('backup-nfs', vmid)[0]).toMatch(/^backup-nfs:backup\/vzdump-/);
    }
    const copied = await coverageOf(100);
    expect(copied.offsite.protected).toBe(true);
    expect(copied.offsite.newestAt).toBeDefined();
    const rpo = await admin.get('/v1/reports/rpo?limit=100');
    const row = rpo.body.items.find((item: { guestId: string }) => item.guestId === `${clusterId}.100`);
    expect(row.offsite).toMatchObject({ state: 'ok', policyIds: [copy.body.id] });
    expect(row.backup).toMatchObject({ state: 'ok', policyIds: [source.body.id] });

    // The simulator stamps archives with the real clock: a day and an hour after them there is
    // no off-site protection any more, although the RPO monitor's grace has not run out yet.
    api.setNow(Date.now() + 25 * 3600_000);
    const stale = await coverageOf(100);
    expect(stale.offsite.protected).toBe(false);
    const later = await admin.get('/v1/reports/rpo?limit=100');
    const lateRow = later.body.items.find((item: { guestId: string }) => item.guestId === `${clusterId}.100`);
    expect(lateRow.offsite.state).toBe('ok');
    expect(lateRow.backup.state).toBe('ok');
  });
});
