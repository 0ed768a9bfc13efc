import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
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

const backupsOf = async (vmid: number) =>
  await api.runtime.store.backups.listForGuest('acme', `${clusterId}.${vmid}`);

async function createBackupPolicy(name: string, overrides: Record<string, unknown>) {
  const created = await admin.post('/v1/policies', policyBody({ name, kind: 'backup', ...overrides }));
  expect(created.status).toBe(201);
  return created.body as { id: string; concurrency: { perNode: number } };
}

describe('backup policy validation', () => {
  it('refuses a storage a selected guest\u2019s node does not have, or one without backup content, and stores nothing', async () => {
    const before = (await admin.get('/v1/policies')).body.items.length;
    const missing = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'no-such-storage',
        kind: 'backup',
        backup: { storage: 'tape' },
        selector: { guests: [`${clusterId}.100`, `${clusterId}.102`] },
      }),
    );
    expect(missing.status).toBe(422);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body.errors.map((issue: { message: string }) => issue.message)).toEqual([
      `storage 'tape' does not exist on node 'pve1' (cluster ${clusterId})`,
      `storage 'tape' does not exist on node 'pve2' (cluster ${clusterId})`,
    ]);
    const images = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'images-only',
        kind: 'backup',
        backup: { storage: 'local-lvm' },
        selector: { guests: [`${clusterId}.100`] },
      }),
    );
    expect(images.status).toBe(422);
    expect(images.body.errors[0]).toMatchObject({
      path: 'backup.storage',
      message: expect.stringContaining("storage 'local-lvm' on node 'pve1'"),
    });
    expect(images.body.errors[0].message).toContain("does not allow content 'backup'");
    const noOptions = await admin.post('/v1/policies', policyBody({ name: 'bare', kind: 'backup' }));
    expect(noOptions.status).toBe(400);
    expect(noOptions.body.errors[0]).toMatchObject({ path: 'backup', rule: 'backup.required' });
    expect((await admin.get('/v1/policies')).body.items.length).toBe(before);
  });
});

describe('a nightly backup policy', () => {
  it('backs up each guest with vzdump, records the archives with their sizes, and prunes what the preview showed', async () => {
    const policy = await createBackupPolicy('nightly-backup', {
      schedule: { cron: '0 3 * * *', timezone: 'UTC' },
      backup: { storage: 'backup-nfs', notesTemplate: '{{guestname}} nightly' },
      selector: { guests: [`${clusterId}.100`, `${clusterId}.200`] },
      retention: { keepLast: 1, keepDaily: 2 },
    });
    expect(policy).toMatchObject({
      kind: 'backup',
      backup: { storage: 'backup-nfs', mode: 'snapshot', compress: 'zstd', protected: false },
      concurrency: { perNode: 1 },
    });
    const days = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06'];
    const runs: string[] = [];
    for (const day of days) runs.push(await tick(policy.id, `${day}T03:00:00.000Z`));
    const first = await admin.get(`/v1/runs/${runs[0]}`);
    expect(first.body).toMatchObject({ status: 'succeeded', targets: 2, succeeded: 2 });
    for (const result of first.body.results) {
      expect(result.volid).toMatch(/^backup-nfs:backup\/vzdump-/);
      expect(result.size).toBeGreaterThan(0);
    }

    // keep-last 1 keeps the 6th, keep-daily 2 then the 5th and 4th: three archives per guest.
    for (const vmid of [100, 200]) {
      const records = await backupsOf(vmid);
      const live = records.filter((record) => record.status === 'created');
      expect(live.map((record) => record.volid).sort()).toEqual(archivesOn('backup-nfs', vmid));
      expect(live.map((record) => record.scheduledTime).sort()).toEqual([
        '2026-11-04T03:00:00.000Z',
        '2026-11-05T03:00:00.000Z',
        '2026-11-06T03:00:00.000Z',
      ]);
      for (const record of live) {
        expect(record).toMatchObject({
          origin: 'policy',
          policyId: policy.id,
          storage: 'backup-nfs',
          compression: 'zstd',
          format: vmid === 100 ? 'vma.zst' : 'tar.zst',
        });
        expect(record.size).toBeGreaterThan(0);
        expect(record.volid).toMatch(
          new RegExp(
            `^backup-nfs:backup/vzdump-${vmid === 100 ? 'qemu' : 'lxc'}-${vmid}-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.(vma|tar)\\.zst$`,
          ),
        );
      }
      const deleted = records.filter((record) => record.status === 'deleted');
      expect(deleted).toHaveLength(2);
      expect(deleted[0]).toMatchObject({
        deleteReason: 'pruned',
        deletedBy: expect.stringMatching(/^run run_/),
      });
    }
    const notes = (await backupsOf(100)).find((record) => record.status === 'created')?.notes;
    expect(notes).toMatch(/ nightly$/);
    const audit = await admin.get('/v1/audit?action=backup.prune&limit=50');
    expect(audit.body.items).toHaveLength(4);
    expect(audit.body.items[0]).toMatchObject({ actor: 'system:retention', outcome: 'success' });

    // A tighter rule: the preview shows what goes, and the sweep deletes exactly that.
    const current = await admin.get(`/v1/policies/${policy.id}`);
    const changed = await admin.patch(
      `/v1/policies/${policy.id}`,
      { retention: { keepLast: 1, keepDaily: null } },
      { 'if-match': current.headers.get('etag') as string },
    );
    expect(changed.status).toBe(200);
    const before = archivesOn('backup-nfs', 100);
    const preview = await admin.get(`/v1/policies/${policy.id}/retention-preview?guestId=${clusterId}.100`);
    expect(preview.status).toBe(200);
    const decisions = preview.body.guests[0].snapshots as Array<{
      name: string;
      keep: boolean;
      reason: string;
    }>;
    expect(decisions.map((d) => d.name).sort()).toEqual(before);
    expect(decisions.filter((d) => d.keep)).toEqual([expect.objectContaining({ reason: 'keep-last' })]);
    expect(archivesOn('backup-nfs', 100)).toEqual(before);
    // A dry run plans on the archives too: once its own archive exists, keep-last 1 leaves none of them.
    const dryRun = await admin.post(`/v1/policies/${policy.id}/dry-run`);
    expect(dryRun.status).toBe(200);
    const planned = dryRun.body.retention.find(
      (guest: { guestId: string }) => guest.guestId === `${clusterId}.100`,
    );
    expect(planned.delete.map((entry: { name: string }) => entry.name).sort()).toEqual(before);
    expect(planned.delete.every((entry: { storage: string }) => entry.storage === 'backup-nfs')).toBe(true);
    expect(archivesOn('backup-nfs', 100)).toEqual(before);
    await api.runtime.sweep();
    await api.runtime.workflows.drain();
    expect(archivesOn('backup-nfs', 100)).toEqual(decisions.filter((d) => d.keep).map((d) => d.name));
  });
});

describe('backup failures and locks', () => {
  it('fails a guest whose backup storage is full, with vzdump\u2019s text, its log tail and a backup.failed event', async () => {
    const policy = await createBackupPolicy('full-storage', {
      backup: { storage: 'local' },
      selector: { guests: [`${clusterId}.101`] },
    });
    const storage = api.simulator.sim.state.storages.find(
      (s) => s.storage === 'local' && s.nodes.includes('pve1'),
    );
    if (!storage) throw new Error('no local storage on pve1');
    const used = storage.used;
    storage.used = storage.total - 1024;
    try {
      const runId = await tick(policy.id, '2026-11-20T02:00:00.000Z');
      const run = await admin.get(`/v1/runs/${runId}`);
      expect(run.body).toMatchObject({ status: 'failed', failed: 1 });
      expect(run.body.results[0].error).toBe('vma_queue_write: write error - No space left on device');
      const [record] = await backupsOf(101);
      expect(record).toMatchObject({
        status: 'failed',
        error: 'vma_queue_write: write error - No space left on device',
        runId,
      });
      expect(record?.logTail).toContain(
        'ERROR: Backup of VM 101 failed - vma_queue_write: write error - No space left on device',
      );
      // The step publishes backup.failed (again, with the same id, when retried): seen here by a retry.
      const published: Array<Record<string, any>> = [];
      const lane = await api.runtime.store.lanes.get('acme', runId, 0);
      if (!lane) throw new Error('no lane');
      const item = { ...lane.context, ...(lane.guests[0] as (typeof lane.guests)[number]) };
      const again = await recordGuestResult(
        {
          store: api.runtime.store,
          now: Date.now,
          events: {
            publish: async (events: unknown[]) =>
              void published.push(...(events as Array<Record<string, any>>)),
          },
        } as unknown as ServiceDeps,
        { item, outcome: 'failed', taskStatus: { exitstatus: 'job errors', error: record?.error ?? '' } },
      );
      expect(again.recorded).toBe(false);
      expect(published).toEqual([
        expect.objectContaining({
          type: 'backup.failed',
          outcome: 'failure',
          data: expect.objectContaining({
            error: 'vma_queue_write: write error - No space left on device',
            storage: 'local',
          }),
        }),
      ]);
    } finally {
      storage.used = used;
    }
  });

  it('waits out a snapshot\u2019s lock before backing up, and a snapshot policy waits out a backup\u2019s', async () => {
    const backup = await createBackupPolicy('contended-backup', {
      backup: { storage: 'backup-nfs' },
      selector: { guests: [`${clusterId}.102`] },
    });
    api.simulator.sim.holdLock(102, 'snapshot');
    const started = tick(backup.id, '2026-11-21T02:00:00.000Z');
    setTimeout(() => api.simulator.sim.releaseLock(102), 200).unref();
    const runId = await started;
    const run = await admin.get(`/v1/runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'succeeded', succeeded: 1 });
    expect(archivesOn('backup-nfs', 102)).toHaveLength(1);

    const snapshots = await admin.post(
      '/v1/policies',
      policyBody({
        name: 'contended-snapshots',
        selector: { guests: [`${clusterId}.102`] },
        snapshot: { namePrefix: 'cs' },
      }),
    );
    api.simulator.sim.holdLock(102, 'backup');
    const snapshotRun = tick(snapshots.body.id, '2026-11-21T03:00:00.000Z');
    setTimeout(() => api.simulator.sim.releaseLock(102), 200).unref();
    const snapshotRunId = await snapshotRun;
    expect((await admin.get(`/v1/runs/${snapshotRunId}`)).body).toMatchObject({
      status: 'succeeded',
      succeeded: 1,
    });
    expect(
      api.simulator.sim.state.guests.find((g) => g.vmid === 102)?.snapshots.map((s) => s.name),
    ).toContain('cs-20261121-0300');
  });
});
