import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vmstateBytes } from '#shared/domain/proxmox/vmstate-target.ts';
import { runIdFor } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';

const GIB = 1024 ** 3;
let api: TestApi;
let admin: Caller;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  hooks = await startWebhookReceiver();
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  const subscribed = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url('/storage'),
    filters: { types: ['storage.threshold', 'storage.recovered'] },
  });
  if (subscribed.status !== 201) throw new Error(subscribed.text);
}, 120_000);
afterAll(async () => {
  await api.stop();
  await hooks.stop();
});

const storageEvents = () =>
  hooks.received
    .map((hook) => JSON.parse(hook.body))
    .filter((event) => event.type.startsWith('storage.'))
    .map((event) => `${event.type} ${event.data.storage}`);

async function tick(policyId: string, scheduledTime: string) {
  api.setNow(Date.parse(scheduledTime) + 60_000);
  const runId = runIdFor(policyId, scheduledTime);
  await api.runtime.workflows.start(runId, {
    tenantId: 'acme',
    policyId,
    scheduledTime,
    trigger: 'schedule',
  });
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/runs/${runId}`)).body;
}

const smallStorage = () => {
  const storage = api.simulator.sim.state.storages.find((s) => s.storage === 'backup-small');
  if (!storage) throw new Error('backup-small expected in the demo cluster');
  return storage;
};
const archivesOf = (vmid: number) =>
  api.simulator.sim.state.volumes.filter((v) => v.storage === 'backup-small' && v.vmid === vmid).length;

describe('the storage guard in a backup run', () => {
  it('skips the guest whose archive would pass the threshold, before vzdump starts, and reports the episode once', async () => {
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'small-backup',
        kind: 'backup',
        schedule: { cron: '0 3 * * *', timezone: 'UTC' },
        backup: { storage: 'backup-small' },
        selector: { guests: ['lab/100', 'lab/101'] },
        retention: { keepLast: 10 },
        storageGuard: { thresholdPercent: 95 },
      }),
    );
    expect(policy.status).toBe(201);
    expect(policy.body.storageGuard).toEqual({ thresholdPercent: 95 });
    api.simulator.sim.setStorage({ storage: 'backup-small', total: 64 * GIB, used: 30 * GIB });
    // The first run records each guest's archive size: the guard's estimate from then on.
    const first = await tick(policy.body.id, '2026-11-02T03:00:00.000Z');
    expect(first).toMatchObject({ status: 'succeeded', succeeded: 2 });
    const archive = Math.max(...first.results.map((r: { size: number }) => r.size));

    // 75 % of 64 GiB is 48 GiB: from 40 GiB, one archive fits, a second would pass the threshold.
    api.simulator.sim.setStorage({ storage: 'backup-small', used: 40 * GIB });
    const patched = await admin.patch(`/v1/policies/${policy.body.id}`, {
      storageGuard: { thresholdPercent: 75 },
    });
    expect(patched.status).toBe(200);
    const before = archivesOf(100) + archivesOf(101);
    const second = await tick(policy.body.id, '2026-11-03T03:00:00.000Z');
    expect(second).toMatchObject({
      status: 'partially_failed',
      succeeded: 1,
      failed: 1,
      skippedGuests: { 'storage-guard': 1 },
    });
    const skipped = second.results.find((r: { skipped?: boolean }) => r.skipped);
    expect(skipped).toMatchObject({ reason: 'storage-guard', errorType: 'StorageGuardError' });
    expect(skipped.error).toMatch(
      /^storage-guard: a backup of guest 10[01] would bring storage 'backup-small' to/,
    );
    // Only the guest that passed wrote an archive; the storage stayed at or below its threshold.
    expect(archivesOf(100) + archivesOf(101)).toBe(before + 1);
    expect(smallStorage().used).toBeLessThanOrEqual(0.75 * 64 * GIB);
    expect(smallStorage().used).toBe(40 * GIB + archive);

    // The next run trips on both guests (44.8 GiB plus an archive passes 48 GiB): the episode is open, no second event.
    const third = await tick(policy.body.id, '2026-11-04T03:00:00.000Z');
    expect(third).toMatchObject({ status: 'failed', failed: 2 });
    await api.runtime.notifications.idle();
    await hooks.waitFor(1);
    expect(storageEvents()).toEqual(['storage.threshold backup-small']);
    const listed = await admin.get(`/v1/clusters/${clusterId}/storages`);
    expect(
      listed.body.items.find((s: { storage: string }) => s.storage === 'backup-small').guard,
    ).toMatchObject({
      thresholdPercent: 75,
    });

    // Space freed: the next inventory sync ends the episode with storage.recovered.
    api.simulator.sim.setStorage({ storage: 'backup-small', used: 10 * GIB });
    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    await api.runtime.notifications.idle();
    await hooks.waitFor(2);
    expect(storageEvents()).toEqual(['storage.threshold backup-small', 'storage.recovered backup-small']);
  }, 180_000);
});

describe('the storage guard before a RAM snapshot', () => {
  it('estimates what qemu-server reserves for the RAM state on the guest\u2019s disk storage and skips when it would not fit', async () => {
    const guest = api.simulator.sim.state.guests.find((g) => g.vmid === 102);
    const local = api.simulator.sim.state.storages.find(
      (s) => s.storage === 'local-lvm' && s.nodes.includes('pve2'),
    );
    if (!guest || !local) throw new Error('demo guest 102 on pve2 expected');
    // Settings give the default threshold for policies that set none.
    expect((await admin.patch('/v1/settings', { storageGuardPercent: 90 })).body.storageGuardPercent).toBe(
      90,
    );
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'ram',
        schedule: { cron: '0 4 * * *', timezone: 'UTC' },
        selector: { guests: ['lab/102'] },
        snapshot: { includeMemory: true },
      }),
    );
    expect(policy.status).toBe(201);
    // Room for less than the state volume below 90 %.
    local.used = Math.floor(local.total * 0.9) - vmstateBytes(guest.maxmem) + GIB;
    const run = await tick(policy.body.id, '2026-11-05T04:00:00.000Z');
    expect(run.status).toBe('failed');
    expect(run.results[0]).toMatchObject({ skipped: true, reason: 'storage-guard' });
    expect(guest.snapshots.some((s) => s.name.startsWith('auto'))).toBe(false);
    // With room again the same policy takes its RAM snapshot, and the state volume counts on the storage.
    local.used = 100 * GIB;
    const again = await tick(policy.body.id, '2026-11-06T04:00:00.000Z');
    expect(again.status).toBe('succeeded');
    expect(local.used).toBe(100 * GIB + vmstateBytes(guest.maxmem));
    expect((await admin.patch('/v1/settings', { storageGuardPercent: null })).body).not.toHaveProperty(
      'storageGuardPercent',
    );
  }, 180_000);
});

describe('pruneBeforeBackup', () => {
  it('deletes the guest\u2019s archive retention would drop once the new one exists, before vzdump, when the storage would not fit it otherwise', async () => {
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'prune-first',
        kind: 'backup',
        schedule: { cron: '0 5 * * *', timezone: 'UTC' },
        backup: { storage: 'backup-small', pruneBeforeBackup: true },
        selector: { guests: ['lab/104'] },
        retention: { keepLast: 2 },
        storageGuard: { thresholdPercent: 50 },
      }),
    );
    expect(policy.status, policy.text).toBe(201);
    expect(policy.body.backup.pruneBeforeBackup).toBe(true);
    api.simulator.sim.setStorage({ storage: 'backup-small', total: 64 * GIB, used: 5 * GIB });
    const volumes = () =>
      api.simulator.sim.state.volumes.filter((v) => v.storage === 'backup-small' && v.vmid === 104);
    // Told apart by the run that wrote them: two vzdumps a moment apart may share their ctime second.
    expect(await tick(policy.body.id, '2026-11-10T05:00:00.000Z')).toMatchObject({ status: 'succeeded' });
    const [oldest] = volumes();
    expect(await tick(policy.body.id, '2026-11-11T05:00:00.000Z')).toMatchObject({ status: 'succeeded' });
    const kept = volumes().find((v) => v.volid !== oldest?.volid);
    expect(volumes()).toHaveLength(2);
    const size = Math.max(oldest?.size ?? 0, kept?.size ?? 0);
    // 50 % of 64 GiB is 32 GiB: the next archive passes it, unless the oldest one goes first.
    api.simulator.sim.setStorage({ storage: 'backup-small', used: 32 * GIB - Math.floor(size / 2) });

    const run = await tick(policy.body.id, '2026-11-12T05:00:00.000Z');
    expect(run).toMatchObject({ status: 'succeeded', succeeded: 1 });
    const left = volumes().map((v) => v.volid);
    expect(left).toHaveLength(2);
    expect(left).toContain(kept?.volid);
    expect(left).not.toContain(oldest?.volid);
    const backups = (await admin.get(`/v1/backups?guestId=${clusterId}.104&status=deleted`)).body.items;
    expect(backups).toEqual([
      expect.objectContaining({ volid: oldest?.volid, deleteReason: 'pruned', deletedBy: `run ${run.id}` }),
    ]);
    const audit = (await admin.get('/v1/audit?action=backup.prune')).body.items;
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'system:retention',
          reason: expect.stringContaining('pruned before the backup to make room on backup-small'),
        }),
      ]),
    );
  }, 180_000);

  it('is foreseen by the dry run from the last inventory: the archive it prunes first and the guests it would skip', async () => {
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'prune-first-dry',
        kind: 'backup',
        schedule: { cron: '0 6 * * *', timezone: 'UTC' },
        backup: { storage: 'backup-small', pruneBeforeBackup: true },
        selector: { guests: ['lab/202'] },
        retention: { keepLast: 2 },
        storageGuard: { thresholdPercent: 50 },
      }),
    );
    expect(policy.status, policy.text).toBe(201);
    api.simulator.sim.setStorage({ storage: 'backup-small', total: 64 * GIB, used: 5 * GIB });
    const volumes = () =>
      api.simulator.sim.state.volumes.filter((v) => v.storage === 'backup-small' && v.vmid === 202);
    expect(await tick(policy.body.id, '2026-11-20T06:00:00.000Z')).toMatchObject({ status: 'succeeded' });
    const [oldest] = volumes();
    expect(await tick(policy.body.id, '2026-11-21T06:00:00.000Z')).toMatchObject({ status: 'succeeded' });
    const size = Math.max(...volumes().map((v) => v.size));
    // Room for the next archive only once the oldest is gone; the inventory learns the figures.
    api.simulator.sim.setStorage({ storage: 'backup-small', used: 32 * GIB - Math.floor(size / 2) });
    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);

    const plan = await admin.post(`/v1/policies/${policy.body.id}/dry-run`);
    expect(plan.status, plan.text).toBe(200);
    expect(plan.body.storageGuard).toEqual([
      expect.objectContaining({
        guestId: `${clusterId}.202`,
        storage: 'backup-small',
        outcome: 'pruned-first',
        pruned: [oldest?.volid],
      }),
    ]);
    const deletions = plan.body.retention.find(
      (r: { guestId: string }) => r.guestId === `${clusterId}.202`,
    ).delete;
    expect(deletions).toEqual([
      expect.objectContaining({ name: oldest?.volid, beforeBackup: true, inThisRun: true }),
    ]);

    // The run then does what the dry run said.
    const run = await tick(policy.body.id, '2026-11-22T06:00:00.000Z');
    expect(run).toMatchObject({ status: 'succeeded', succeeded: 1 });
    expect(volumes().map((v) => v.volid)).not.toContain(oldest?.volid);

    // Without the room even then, the dry run says the guest would be skipped.
    api.simulator.sim.setStorage({ storage: 'backup-small', used: 40 * GIB });
    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const full = await admin.post(`/v1/policies/${policy.body.id}/dry-run`);
    expect(full.body.storageGuard).toEqual([
      expect.objectContaining({ guestId: `${clusterId}.202`, outcome: 'skipped' }),
    ]);
  }, 180_000);

  it('never deletes the newest archive, the last good copy: the guest is skipped by the guard instead', async () => {
    const policy = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'prune-first-pinned',
        kind: 'backup',
        schedule: { cron: '0 6 * * *', timezone: 'UTC' },
        backup: { storage: 'backup-small', pruneBeforeBackup: true },
        selector: { guests: ['lab/103'] },
        retention: { keepLast: 1 },
        storageGuard: { thresholdPercent: 50 },
      }),
    );
    expect(policy.status, policy.text).toBe(201);
    api.simulator.sim.setStorage({ storage: 'backup-small', total: 64 * GIB, used: 5 * GIB });
    expect(await tick(policy.body.id, '2026-11-20T06:00:00.000Z')).toMatchObject({ status: 'succeeded' });
    const only = api.simulator.sim.state.volumes.filter(
      (v) => v.storage === 'backup-small' && v.vmid === 103,
    );
    expect(only).toHaveLength(1);
    api.simulator.sim.setStorage({
      storage: 'backup-small',
      used: 32 * GIB - Math.floor((only[0]?.size ?? 0) / 2),
    });
    const run = await tick(policy.body.id, '2026-11-21T06:00:00.000Z');
    expect(run.results[0]).toMatchObject({ skipped: true, reason: 'storage-guard' });
    expect(api.simulator.sim.state.volumes.map((v) => v.volid)).toContain(only[0]?.volid);
  }, 180_000);
});
