import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { CommandResults, ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { ProxmoxStorage } from '#shared/domain/proxmox/types.ts';
import type { Run } from '#shared/domain/run.ts';
import { StorageGuardError } from '#shared/domain/storage/storage-guard.ts';
import { guardStorage } from '#shared/services/storage/guard-storage.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const GIB = 1024 ** 3;
const TENANT = 'guard-co';
const CLUSTER = 'cl_01JGUARD000000000000000000';
let store: Store;

beforeAll(async () => {
  store = (await createTestTable()).store;
  await store.tenants.ensure(TENANT);
  const profile = await store.tenants.get(TENANT);
  if (!profile) throw new Error('no profile');
  await store.tenants.replace(
    { ...profile, storageGuardPercent: 80, version: profile.version + 1 },
    profile.version,
  );
});

const run = (id: string): Run => ({
  id,
  tenantId: TENANT,
  policyId: 'pol_NONE',
  policyName: 'p',
  scheduledTime: '2026-11-30T02:00:00.000Z',
  trigger: 'manual',
  status: 'running',
  targets: 10,
  succeeded: 0,
  failed: 0,
  createdAt: '2026-11-30T02:00:00.000Z',
});

/** Proxmox as the guard asks it: a shared NFS storage with the given fill, a VM of 4 GiB memory on it. */
function proxmox(storage: ProxmoxStorage) {
  const calls: string[] = [];
  const call = async <C extends ConnectorCommand>(command: C): Promise<CommandResults[C['type']]> => {
    calls.push(command.type);
    const answers: Partial<{ [K in keyof CommandResults]: CommandResults[K] }> = {
      listStorages: [storage],
      vmstateTarget: { storage: storage.storage, bytes: 8 * GIB + 500 * 1024 ** 2 },
    };
    return answers[command.type as keyof CommandResults] as CommandResults[C['type']];
  };
  return { call, calls };
}

const nfs = (used: number): ProxmoxStorage => ({
  storage: 'nfs',
  type: 'nfs',
  content: 'images,backup',
  shared: 1,
  active: 1,
  enabled: 1,
  total: 100 * GIB,
  used,
  avail: 100 * GIB - used,
});

const ramSnapshot = (node: string, vmid: number): ConnectorCommand => ({
  type: 'createSnapshot',
  node,
  guestType: 'qemu',
  vmid,
  name: 'auto-1',
  vmstate: true,
});

describe('the storage guard before a write', () => {
  it('lets concurrent guests of one run on a shared storage take the room once: the counter is added to atomically', async () => {
    // 80 GiB allowed, 60 used: two 8.5 GiB state volumes fit, the third does not, whichever comes first.
    const { call } = proxmox(nfs(60 * GIB));
    const outcomes = await Promise.allSettled(
      ['pve1', 'pve2', 'pve3'].map((node, index) =>
        guardStorage(
          { store, call },
          { tenantId: TENANT, clusterId: CLUSTER, command: ramSnapshot(node, 100 + index) },
          run('run_RACE'),
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(StorageGuardError);
    const counter = await store.storages.reservation({
      tenantId: TENANT,
      runId: 'run_RACE',
      clusterId: CLUSTER,
      storage: 'nfs',
      node: '*',
    });
    expect(counter).toMatchObject({ baseline: 60 * GIB, reserved: 2 * (8 * GIB + 500 * 1024 ** 2) });
  });

  it('asks nothing of Proxmox for a write it does not guard: a disk-only snapshot, a container', async () => {
    const { call, calls } = proxmox(nfs(99 * GIB));
    const guard = (command: ConnectorCommand) =>
      guardStorage({ store, call }, { tenantId: TENANT, clusterId: CLUSTER, command }, run('run_NONE'));
    await guard({ type: 'createSnapshot', node: 'pve1', guestType: 'qemu', vmid: 100, name: 'auto-1' });
    await guard({
      type: 'createSnapshot',
      node: 'pve1',
      guestType: 'lxc',
      vmid: 200,
      name: 'auto-1',
      vmstate: true,
    });
    await guard({ type: 'listGuests' });
    expect(calls).toEqual([]);
  });

  it('leaves an inactive storage to Proxmox', async () => {
    const { call } = proxmox({ ...nfs(0), active: 0, total: 0, used: 0, avail: 0 });
    await expect(
      guardStorage(
        { store, call },
        { tenantId: TENANT, clusterId: CLUSTER, command: ramSnapshot('pve1', 100) },
        run('run_OFF'),
      ),
    ).resolves.toBeUndefined();
  });
});
