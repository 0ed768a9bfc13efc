import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFor } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

/** Runs one scheduled tick to its end with the service's clock a minute after the tick. */
async function tick(policyId: string, scheduledTime: string): Promise<string> {
  api.setNow(Date.parse(scheduledTime) + 60_000);
  const runId = runIdFor(policyId, scheduledTime);
  await api.runtime.workflows.start(runId, {
    tenantId: 'acme',
    policyId,
    scheduledTime,
    trigger: 'schedule',
  });
  await api.runtime.workflows.drain();
  return runId;
}

const onProxmox = (vmid: number, prefix: string) =>
  (api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? [])
    .map((snapshot) => snapshot.name)
    .filter((name) => name.startsWith(`${prefix}-`))
    .sort();

async function records(vmid: number, prefix: string): Promise<Record<string, any>> {
  const items = (await admin.get(`/v1/guests/${clusterId}.${vmid}/snapshots`)).body.items as any[];
  return Object.fromEntries(
    items.filter((record) => record.name.startsWith(`${prefix}-`)).map((record) => [record.name, record]),
  );
}

async function createPolicy(overrides: Record<string, unknown>) {
  const created = await admin.post('/v1/policies', policyBody(overrides));
  expect(created.status).toBe(201);
  return created.body as { id: string; version: number };
}

// Berlin is UTC+1 in November: the policy's 02:00 and 14:00 are 01:00Z and 13:00Z.
const DAYS = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07'];

describe('retention in policy runs', () => {
  let policy: { id: string; version: number };

  it('leaves exactly what the rules keep after six days of twice-daily runs', async () => {
    policy = await createPolicy({
      name: 'week',
      schedule: { cron: '0 2,14 * * *', timezone: 'Europe/Berlin' },
      selector: { guests: [`${clusterId}.100`, `${clusterId}.200`] },
      snapshot: { namePrefix: 'wk' },
      retention: { keepLast: 2, keepDaily: 3 },
    });
    const runs: Record<string, string> = {};
    for (const day of DAYS) {
      for (const hour of ['01', '13']) {
        const time = `${day}T${hour}:00:00.000Z`;
        runs[time] = await tick(policy.id, time);
      }
      // Never more than keep-last 2 plus keep-daily 3 on the guest after a run.
      expect(onProxmox(100, 'wk').length).toBeLessThanOrEqual(5);
    }
    // By hand: keep-last takes the 7th's two; keep-daily 3 then takes the newest of the 6th,
    // 5th and 4th (the 7th is already covered); everything older is pruned.
    const expected = [
      'wk-20261104-1300',
      'wk-20261105-1300',
      'wk-20261106-1300',
      'wk-20261107-0100',
      'wk-20261107-1300',
    ];
    expect(onProxmox(100, 'wk')).toEqual(expected);
    expect(onProxmox(200, 'wk')).toEqual(expected);

    const byName = await records(100, 'wk');
    expect(
      Object.values(byName)
        .filter((r) => r.status === 'created')
        .map((r) => r.name)
        .sort(),
    ).toEqual(expected);
    // The third run prunes the 2nd's 01:00 snapshot: keep-last keeps the 3rd's 01:00 and the 2nd's
    // 13:00, which already covers the 2nd for keep-daily.
    expect(byName['wk-20261102-0100']).toMatchObject({
      status: 'deleted',
      deleteReason: 'pruned',
      deletedBy: `run ${runs['2026-11-03T01:00:00.000Z']}`,
    });
    const deleted = Object.values(byName).filter((r) => r.status === 'deleted');
    expect(deleted).toHaveLength(7);

    const audit = await admin.get('/v1/audit?action=snapshot.prune&limit=200');
    expect(audit.body.items).toHaveLength(14);
    expect(audit.body.items[0]).toMatchObject({
      actor: 'system:retention',
      outcome: 'success',
      resourceType: 'guest',
      reason: expect.stringContaining(`pruned by the retention of policy ${policy.id}`),
    });
  });

  it('previews a tighter rule, and the daily sweep then deletes exactly what the preview showed', async () => {
    const current = await admin.get(`/v1/policies/${policy.id}`);
    const changed = await admin.patch(
      `/v1/policies/${policy.id}`,
      { retention: { keepLast: 1, keepDaily: 2 } },
      { 'if-match': current.headers.get('etag') as string },
    );
    expect(changed.status).toBe(200);
    const before = onProxmox(100, 'wk');
    const preview = await admin.get(`/v1/policies/${policy.id}/retention-preview?guestId=${clusterId}.100`);
    expect(preview.status).toBe(200);
    expect(preview.body.guests).toHaveLength(1);
    expect(preview.body.guests[0].snapshots).toEqual([
      { name: 'wk-20261107-1300', time: '2026-11-07T13:00:00.000Z', keep: true, reason: 'keep-last' },
      { name: 'wk-20261107-0100', time: '2026-11-07T01:00:00.000Z', keep: false, reason: 'pruned' },
      { name: 'wk-20261106-1300', time: '2026-11-06T13:00:00.000Z', keep: true, reason: 'keep-daily' },
      { name: 'wk-20261105-1300', time: '2026-11-05T13:00:00.000Z', keep: true, reason: 'keep-daily' },
      { name: 'wk-20261104-1300', time: '2026-11-04T13:00:00.000Z', keep: false, reason: 'pruned' },
    ]);
    // The preview changed nothing.
    expect(onProxmox(100, 'wk')).toEqual(before);

    const summary = await api.runtime.sweep();
    expect(summary.pruned).toMatchObject({ guests: 2, deletions: 4 });
    await api.runtime.workflows.drain();
    const kept = preview.body.guests[0].snapshots
      .filter((s: { keep: boolean }) => s.keep)
      .map((s: { name: string }) => s.name)
      .sort();
    expect(onProxmox(100, 'wk')).toEqual(kept);
    expect(onProxmox(200, 'wk')).toEqual(kept);
    expect((await records(100, 'wk'))['wk-20261104-1300']).toMatchObject({
      status: 'deleted',
      deletedBy: 'sweep 2026-11-07',
    });
    // A second sweep the same day finds nothing left to delete.
    expect((await api.runtime.sweep()).pruned).toMatchObject({ deletions: 0, lanes: 0 });
  });

  it('keeps the last good snapshot while newer runs fail, even past maxAgeDays', async () => {
    const lastGood = await createPolicy({
      name: 'last-good',
      selector: { guests: [`${clusterId}.101`] },
      snapshot: { namePrefix: 'lg' },
      retention: { keepLast: 1, maxAgeDays: 1 },
    });
    await tick(lastGood.id, '2026-11-10T01:00:00.000Z');
    api.simulator.sim.failTasks({
      message: 'snapshot creation failed: storage full',
      type: 'qmsnapshot',
      vmid: 101,
      count: 3,
    });
    for (const day of ['11', '12', '13']) await tick(lastGood.id, `2026-11-${day}T01:00:00.000Z`);
    await api.runtime.sweep();
    await api.runtime.workflows.drain();
    expect(onProxmox(101, 'lg')).toEqual(['lg-20261110-0100']);
    const preview = await admin.get(`/v1/policies/${lastGood.id}/retention-preview`);
    expect(preview.body.guests[0].snapshots).toEqual([
      expect.objectContaining({ name: 'lg-20261110-0100', keep: true, reason: 'last-good' }),
    ]);
    // Once a run succeeds again, the old copy is past maxAgeDays and goes.
    await tick(lastGood.id, '2026-11-14T01:00:00.000Z');
    expect(onProxmox(101, 'lg')).toEqual(['lg-20261114-0100']);
    expect((await records(101, 'lg'))['lg-20261110-0100']).toMatchObject({
      status: 'deleted',
      deleteReason: 'max-age',
    });
  });

  it('records a failed deletion with Proxmox\u2019s text and deletes the snapshot on the next run', async () => {
    const retry = await createPolicy({
      name: 'retry',
      selector: { guests: [`${clusterId}.102`] },
      snapshot: { namePrefix: 'rt' },
      retention: { keepLast: 1 },
    });
    await tick(retry.id, '2026-11-10T01:00:00.000Z');
    api.simulator.sim.failTasks({
      message: 'zfs error: cannot destroy snapshot: dataset is busy',
      type: 'delsnapshot',
      vmid: 102,
    });
    await tick(retry.id, '2026-11-11T01:00:00.000Z');
    expect(onProxmox(102, 'rt')).toEqual(['rt-20261110-0100', 'rt-20261111-0100']);
    expect((await records(102, 'rt'))['rt-20261110-0100']).toMatchObject({
      status: 'created',
      pruneError: 'zfs error: cannot destroy snapshot: dataset is busy',
      pruneAttempts: 1,
    });
    const failures = await admin.get('/v1/audit?action=snapshot.prune&outcome=failure');
    expect(failures.body.items).toContainEqual(
      expect.objectContaining({ reason: expect.stringContaining('dataset is busy') }),
    );
    await tick(retry.id, '2026-11-12T01:00:00.000Z');
    expect(onProxmox(102, 'rt')).toEqual(['rt-20261112-0100']);
    const after = await records(102, 'rt');
    expect(after['rt-20261110-0100']).toMatchObject({ status: 'deleted', pruneAttempts: 1 });
    expect(after['rt-20261111-0100']).toMatchObject({ status: 'deleted' });
  });

  it('never prunes pinned or manual snapshots, or snapshots made by hand in Proxmox', async () => {
    const pins = await createPolicy({
      name: 'pins',
      selector: { guests: [`${clusterId}.201`] },
      snapshot: { namePrefix: 'pn' },
      retention: { keepLast: 1 },
    });
    await tick(pins.id, '2026-11-10T01:00:00.000Z');
    const pinned = await admin.patch(`/v1/guests/${clusterId}.201/snapshots/pn-20261110-0100`, {
      protected: true,
    });
    expect(pinned.status).toBe(200);
    const manual = await admin.post(`/v1/guests/${clusterId}.201/snapshots`, { name: 'pn-manual' });
    expect(manual.status).toBe(202);
    await api.runtime.workflows.drain();
    const client = api.simulator.client();
    await client.waitForTask(await client.createSnapshot('pve2', 'lxc', 201, { name: 'pn-by-hand' }), {
      initialIntervalMs: 5,
    });
    for (const day of ['11', '12', '13']) await tick(pins.id, `2026-11-${day}T01:00:00.000Z`);
    expect(onProxmox(201, 'pn')).toEqual(['pn-20261110-0100', 'pn-20261113-0100', 'pn-by-hand', 'pn-manual']);
  });
});
