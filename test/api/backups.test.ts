import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let operator: Caller;
let viewer: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  operator = await api.as('acme', 'operator');
  viewer = await api.as('acme', 'viewer');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

const volumes = () => api.simulator.sim.state.volumes;
const simGuest = (vmid: number) => api.simulator.sim.state.guests.find((g) => g.vmid === vmid);

/** A real archive, written by the simulator's vzdump as Proxmox would, outside the service. */
async function archive(node: string, vmid: number, storage: string): Promise<string> {
  const client = api.simulator.client();
  const before = new Set(volumes().map((v) => v.volid));
  await client.waitForTask(await client.vzdump(node, { vmid, storage, compress: 'zstd' }));
  const made = volumes().find((v) => v.vmid === vmid && !before.has(v.volid));
  if (!made) throw new Error(`no archive of ${vmid} on ${storage}`);
  return made.volid;
}

/** A catalog record as a backup run writes it (`store.backups.put`). */
function record(vmid: number, volid: string, overrides: Partial<BackupRecord> = {}): BackupRecord {
  const guestId = `${clusterId}.${vmid}`;
  const volume = volumes().find((v) => v.volid === volid);
  return {
    tenantId: 'acme',
    id: formatBackupId(guestId, volid),
    guestId,
    clusterId,
    node: volume?.node ?? 'pve1',
    guestType: volume?.subtype ?? 'qemu',
    vmid,
    storage: volid.split(':')[0] as string,
    volid,
    format: volume?.format ?? 'vma.zst',
    compression: 'zstd',
    size: volume?.size ?? 1000,
    createdAt: new Date((volume?.ctime ?? 1_700_000_000) * 1000).toISOString(),
    status: 'created',
    origin: 'policy',
    policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
    ...overrides,
  };
}

async function finished(response: { status: number; body: any }): Promise<any> {
  expect(response.status).toBe(202);
  await api.runtime.workflows.drain();
  return (await operator.get(`/v1/operations/${response.body.id}`)).body;
}

describe('backup catalog', () => {
  const day = (n: number) => `2026-03-${String(n).padStart(2, '0')}T02:00:00.000Z`;

  it('lists the catalog newest first with filters and cursor pages that neither repeat nor skip', async () => {
    const seeded: BackupRecord[] = [];
    for (let n = 1; n <= 12; n++) {
      const vmid = n % 2 === 0 ? 100 : 101;
      const volid = `${n % 3 === 0 ? 'local' : 'backup-nfs'}:backup/vzdump-qemu-${vmid}-2026_03_${String(n).padStart(2, '0')}-02_00_00.vma.zst`;
      seeded.push(
        record(vmid, volid, {
          createdAt: day(n),
          ...(n === 5
            ? { status: 'failed', volid: undefined, error: 'job failed', logTail: ['INFO: x', 'ERROR: y'] }
            : {}),
          ...(n % 4 === 0 ? { policyId: 'pol_other0000000000000000000' } : {}),
        }),
      );
    }
    for (const item of seeded) await api.runtime.store.backups.put(item);

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await viewer.get(
        `/v1/backups?from=${day(1)}&to=${day(12)}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((item: { createdAt: string }) => item.createdAt));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all).toEqual(seeded.map((item) => item.createdAt).reverse());

    const ids = async (query: string) =>
      (await viewer.get(`/v1/backups?${query}`)).body.items.map(
        (item: { createdAt: string }) => item.createdAt,
      );
    expect(await ids(`guest=lab%2F100&to=${day(12)}`)).toEqual([12, 10, 8, 6, 4, 2].map(day));
    expect(await ids(`storage=local&to=${day(12)}`)).toEqual([12, 9, 6, 3].map(day));
    expect(await ids(`status=failed&to=${day(12)}`)).toEqual([day(5)]);
    expect(await ids(`policy=pol_other0000000000000000000`)).toEqual([12, 8, 4].map(day));
    expect(await ids(`from=${day(3)}&to=${day(4)}`)).toEqual([day(4), day(3)]);
    expect(await ids('guest=lab%2F999')).toEqual([]);
    expect((await viewer.get('/v1/backups?status=lost')).status).toBe(400);
    expect((await viewer.get('/v1/backups?from=yesterday')).status).toBe(400);

    const guestPage = await viewer.get(`/v1/guests/lab%2F101/backups?limit=2`);
    expect(guestPage.body.items.map((item: { vmid: number }) => item.vmid)).toEqual([101, 101]);
    expect(guestPage.body.nextCursor).toBeDefined();
    const guestTimes: string[] = [];
    let guestCursor: string | undefined;
    do {
      const next = await viewer.get(
        `/v1/guests/lab%2F101/backups?limit=4${guestCursor ? `&cursor=${encodeURIComponent(guestCursor)}` : ''}`,
      );
      guestTimes.push(...next.body.items.map((item: { createdAt: string }) => item.createdAt));
      guestCursor = next.body.nextCursor;
    } while (guestCursor);
    expect(guestTimes).toEqual([11, 9, 7, 5, 3, 1].map(day));
    const foreignCursor = await viewer.get(
      `/v1/backups?guest=lab%2F100&cursor=${encodeURIComponent(guestPage.body.nextCursor)}`,
    );
    expect(foreignCursor.status).toBe(400);
    expect((await viewer.get('/v1/guests/lab%2F999/backups')).status).toBe(404);

    const failed = seeded.find((item) => item.status === 'failed') as BackupRecord;
    const one = await viewer.get(`/v1/backups/${failed.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      status: 'failed',
      error: 'job failed',
      logTail: ['INFO: x', 'ERROR: y'],
    });
    expect(one.body).not.toHaveProperty('tenantId');
  });

  it('keeps tenants apart: another tenant sees no backups and cannot read, change, delete or restore one', async () => {
    const volid = await archive('pve1', 101, 'local');
    const mine = record(101, volid);
    await api.runtime.store.backups.put(mine);
    const other = await api.as('globex', 'admin');
    expect((await other.get('/v1/backups')).body.items).toEqual([]);
    expect((await other.get(`/v1/backups/${mine.id}`)).status).toBe(404);
    expect((await other.get(`/v1/guests/${clusterId}.101/backups`)).status).toBe(404);
    expect((await other.get(`/v1/backups?guest=${clusterId}.101`)).body.items).toEqual([]);
    expect((await other.patch(`/v1/backups/${mine.id}`, { notes: 'x' })).status).toBe(404);
    expect((await other.delete(`/v1/backups/${mine.id}`)).status).toBe(404);
    expect((await other.post(`/v1/backups/${mine.id}/restore`, {})).status).toBe(404);
    expect(volumes().some((v) => v.volid === volid)).toBe(true);
    expect((await viewer.get('/v1/backups/not-an-id')).status).toBe(400);
  });

  it('lets a viewer read but not change, delete or restore (403 naming operator, audited as denied)', async () => {
    const volid = await archive('pve2', 102, 'local');
    const mine = record(102, volid);
    await api.runtime.store.backups.put(mine);
    expect((await viewer.get(`/v1/backups/${mine.id}`)).status).toBe(200);
    for (const response of [
      await viewer.patch(`/v1/backups/${mine.id}`, { notes: 'x' }),
      await viewer.delete(`/v1/backups/${mine.id}`),
      await viewer.post(`/v1/backups/${mine.id}/restore`, {}),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.requiredRole).toBe('operator');
    }
    const denied = (await admin.get('/v1/audit?outcome=denied&limit=50')).body.items.map(
      (event: { action: string }) => event.action,
    );
    expect(denied).toEqual(expect.arrayContaining(['backup.update', 'backup.delete', 'backup.restore']));
    expect(volumes().find((v) => v.volid === volid)?.notes).toBeUndefined();
  });

  it('writes notes and protection to Proxmox; a protected archive is not deleted, with Proxmox\u2019s text', async () => {
    const volid = await archive('pve3', 104, 'backup-nfs');
    const mine = record(104, volid);
    await api.runtime.store.backups.put(mine);
    const patched = await operator.patch(`/v1/backups/${mine.id}`, {
      notes: 'before the upgrade',
      protected: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ notes: 'before the upgrade', protected: true });
    expect(volumes().find((v) => v.volid === volid)).toMatchObject({
      notes: 'before the upgrade',
      protected: true,
    });

    const refused = await operator.delete(`/v1/backups/${mine.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/^cannot remove protected archive '.*vzdump-qemu-104-.*\.vma\.zst'$/);
    expect(volumes().some((v) => v.volid === volid)).toBe(true);
    expect((await viewer.get(`/v1/backups/${mine.id}`)).body.status).toBe('created');

    expect((await operator.patch(`/v1/backups/${mine.id}`, { protected: false })).body).not.toHaveProperty(
      'protected',
    );
    const deleted = await operator.delete(`/v1/backups/${mine.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      status: 'deleted',
      deletedBy: 'acme-operator',
      deleteReason: 'operator',
    });
    expect(volumes().some((v) => v.volid === volid)).toBe(false);
    const actions = (await admin.get('/v1/audit?limit=100')).body.items
      .filter((event: { resourceId: string }) => event.resourceId === mine.id)
      .map((event: { action: string; outcome: string }) => `${event.action}:${event.outcome}`);
    expect(actions).toEqual(
      expect.arrayContaining(['backup.update:success', 'backup.delete:failure', 'backup.delete:success']),
    );
  });

  it('lists archives made outside the service as external, leaves them be, and marks vanished ones missing', async () => {
    const foreign = await archive('pve1', 200, 'backup-nfs');
    const gone = record(200, 'local:backup/vzdump-lxc-200-2026_01_01-00_00_00.tar.zst', {
      node: 'pve1',
      guestType: 'lxc',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await api.runtime.store.backups.put(gone);
    await api.runtime.sweep();
    const listed = (await viewer.get(`/v1/guests/${clusterId}.200/backups`)).body.items as BackupRecord[];
    expect(listed.find((item) => item.volid === foreign)).toMatchObject({
      origin: 'external',
      status: 'created',
      storage: 'backup-nfs',
      guestType: 'lxc',
      compression: 'zstd',
      size: volumes().find((v) => v.volid === foreign)?.size,
    });
    expect(listed.find((item) => item.id === gone.id)).toMatchObject({ status: 'missing', origin: 'policy' });
    expect(listed.find((item) => item.id === gone.id)?.missingSince).toBeDefined();
    await api.runtime.sweep();
    expect(volumes().some((v) => v.volid === foreign)).toBe(true);
    expect((await viewer.get(`/v1/guests/${clusterId}.200/backups`)).body.items).toHaveLength(listed.length);
  });
});

describe('restore from backup', () => {
  it('restores a QEMU archive to a new guest with the next free vmid, named, without the archive\u2019s tags', async () => {
    const volid = await archive('pve1', 100, 'backup-nfs');
    const mine = record(100, volid);
    await api.runtime.store.backups.put(mine);
    const op = await finished(
      await operator.post(`/v1/backups/${mine.id}/restore`, { newGuest: { name: 'web-restored' } }),
    );
    expect(op).toMatchObject({ kind: 'restore-backup-new-guest', status: 'succeeded', backupId: mine.id });
    const vmid = Number(String(op.result.newGuestId).split('.').at(-1));
    expect(op.steps).toEqual([
      `restore ${volid.split('/')[1]} into ${vmid}`,
      `name ${vmid} web-restored`,
      `remove the tags restored to ${vmid}`,
    ]);
    expect(simGuest(vmid)).toMatchObject({ type: 'qemu', name: 'web-restored', tags: [], node: 'pve1' });
    expect(api.simulator.sim.state.tasks.some((t) => t.type === 'qmrestore' && t.id === String(vmid))).toBe(
      true,
    );
    expect((await viewer.get(`/v1/guests/${op.result.newGuestId}`)).body).toMatchObject({
      name: 'web-restored',
    });
  });

  it('restores an LXC archive to a given vmid and starts it; a taken vmid is refused before anything starts', async () => {
    const volid = await archive('pve1', 200, 'local');
    const mine = record(200, volid);
    await api.runtime.store.backups.put(mine);
    const taken = await operator.post(`/v1/backups/${mine.id}/restore`, { newGuest: { vmid: 201 } });
    expect(taken.status).toBe(400);
    expect(taken.body.errors[0]).toMatchObject({ path: 'newGuest.vmid', rule: 'vmid.free' });
    const op = await finished(
      await operator.post(`/v1/backups/${mine.id}/restore`, { newGuest: { vmid: 777 }, start: true }),
    );
    expect(op).toMatchObject({ status: 'succeeded', result: { newGuestId: `${clusterId}.777` } });
    expect(simGuest(777)).toMatchObject({ type: 'lxc', status: 'running', name: simGuest(200)?.name });
    expect(api.simulator.sim.state.tasks.some((t) => t.type === 'vzrestore' && t.id === '777')).toBe(true);
    expect((await viewer.get(`/v1/guests/${clusterId}.777`)).status).toBe(200);
  });

  it('restores over the original QEMU guest: safety backup, stop, forced restore, started again', async () => {
    const volid = await archive('pve2', 102, 'backup-nfs');
    const mine = record(102, volid);
    await api.runtime.store.backups.put(mine);
    // vzdump names archives by the second: the safety backup must not share this one's name.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const original = simGuest(102)?.name;
    const changed = simGuest(102);
    if (changed) changed.name = 'changed-since';
    expect(simGuest(102)?.status).toBe('running');
    const op = await finished(await operator.post(`/v1/backups/${mine.id}/restore`, { overwrite: true }));
    expect(op).toMatchObject({ kind: 'restore-backup-in-place', status: 'succeeded' });
    expect(op.steps).toEqual([
      'back up 102 to backup-nfs first',
      'stop the guest',
      `restore ${volid.split('/')[1]} over 102`,
    ]);
    expect(simGuest(102)).toMatchObject({ status: 'running', name: original });
    const safety = await viewer.get(`/v1/backups/${op.result.safetyBackupId}`);
    expect(safety.body).toMatchObject({
      origin: 'manual',
      status: 'created',
      storage: 'backup-nfs',
      vmid: 102,
    });
    expect(volumes().some((v) => v.volid === safety.body.volid)).toBe(true);
    expect((await viewer.get(`/v1/guests/${clusterId}.102`)).body.name).toBe(original);
  });

  it('restores over the original LXC guest without a safety backup when declined; never without overwrite', async () => {
    const volid = await archive('pve3', 203, 'local');
    const mine = record(203, volid);
    await api.runtime.store.backups.put(mine);
    const archivesBefore = volumes().length;
    const op = await finished(
      await operator.post(`/v1/backups/${mine.id}/restore`, { overwrite: true, safetyBackup: false }),
    );
    expect(op.steps).toEqual([`restore ${volid.split('/')[1]} over 203`]);
    expect(op.status).toBe('succeeded');
    expect(volumes().length).toBe(archivesBefore);
    expect(api.simulator.sim.state.tasks.some((t) => t.type === 'vzrestore' && t.id === '203')).toBe(true);
    expect(
      (await operator.post(`/v1/backups/${mine.id}/restore`, { overwrite: true, newGuest: { vmid: 900 } }))
        .status,
    ).toBe(400);
  });

  it('fails the operation with Proxmox’s text when the restore task fails, reporting no new guest', async () => {
    const volid = await archive('pve2', 201, 'backup-nfs');
    const mine = record(201, volid);
    await api.runtime.store.backups.put(mine);
    const failure = "command 'lzop -d -c' failed: exit code 1";
    api.simulator.sim.failTasks({ message: failure, type: 'restore', count: 1 });
    const op = await finished(
      await operator.post(`/v1/backups/${mine.id}/restore`, { newGuest: { vmid: 779 } }),
    );
    expect(op).toMatchObject({
      status: 'failed',
      error: failure,
      planned: { newGuestId: `${clusterId}.779` },
    });
    expect(op.result?.newGuestId).toBeUndefined();
    expect(simGuest(779)).toBeUndefined();
  });

  it('answers 404 at once for an archive that is no longer on its storage, and 409 for a deleted one', async () => {
    const gone = record(101, 'backup-nfs:backup/vzdump-qemu-101-2025_01_01-00_00_00.vma.zst');
    await api.runtime.store.backups.put(gone);
    const response = await operator.post(`/v1/backups/${gone.id}/restore`, {});
    expect(response.status).toBe(404);
    await api.runtime.store.backups.put({ ...gone, status: 'deleted' });
    expect((await operator.post(`/v1/backups/${gone.id}/restore`, {})).status).toBe(409);
  });
});

describe('discovery at an operator\u2019s sync', () => {
  it('lists an archive made outside the service right after POST /v1/clusters/{id}/sync', async () => {
    const foreign = await archive('pve3', 202, 'local');
    expect((await operator.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const listed = (await viewer.get(`/v1/backups?guest=lab%2F202`)).body.items as BackupRecord[];
    expect(listed).toEqual([
      expect.objectContaining({ volid: foreign, origin: 'external', node: 'pve3', storage: 'local' }),
    ]);
  });
});
