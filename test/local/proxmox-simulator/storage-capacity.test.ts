import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vmstateBytes } from '#shared/domain/proxmox/vmstate-target.ts';
import { startTestSimulator, type TestSimulator } from '#test/support/simulator.ts';

let simulator: TestSimulator;

beforeAll(async () => {
  simulator = await startTestSimulator();
});
afterAll(() => simulator.close());

const client = () => simulator.client();
const listed = async (node: string, storage: string) =>
  (await client().storages(node)).find((entry) => entry.storage === storage);

describe('storages in the simulator: capacity that fills and frees, as pve-storage reports it', () => {
  it('counts a RAM snapshot\u2019s state volume on the guest\u2019s storage and frees it when the snapshot goes', async () => {
    const before = await listed('pve1', 'local-lvm');
    const guest = simulator.sim.state.guests.find((g) => g.vmid === 100);
    if (!guest || !before?.used) throw new Error('demo guest 100 on pve1 expected');
    await client().waitForTask(
      await client().createSnapshot('pve1', 'qemu', 100, { name: 'ram1', vmstate: true }),
    );
    const taken = await listed('pve1', 'local-lvm');
    expect(taken?.used).toBe(before.used + vmstateBytes(guest.maxmem));
    expect(taken?.avail).toBe((taken?.total ?? 0) - (taken?.used ?? 0));
    // A disk-only snapshot writes no state volume.
    await client().waitForTask(await client().createSnapshot('pve1', 'qemu', 100, { name: 'disk1' }));
    expect((await listed('pve1', 'local-lvm'))?.used).toBe(taken?.used);
    await client().waitForTask(await client().deleteSnapshot('pve1', 'qemu', 100, 'ram1'));
    expect((await listed('pve1', 'local-lvm'))?.used).toBe(before.used);
  });

  it('shows one shared storage\u2019s fill from every node, and an archive written from one node on all', async () => {
    const before = await listed('pve3', 'backup-small');
    await client().waitForTask(await client().vzdump('pve1', { vmid: 100, storage: 'backup-small' }));
    const after = await Promise.all(['pve1', 'pve2', 'pve3'].map((node) => listed(node, 'backup-small')));
    expect(new Set(after.map((entry) => entry?.used)).size).toBe(1);
    expect(after[2]?.used).toBeGreaterThan(before?.used ?? 0);
    expect(after[0]).toMatchObject({ shared: 1, type: 'nfs', content: 'backup', enabled: 1, active: 1 });
  });

  it('lists an inactive storage with active 0 and no figures, and vzdump onto it dies with Proxmox\u2019s text', async () => {
    simulator.sim.setStorage({ storage: 'backup-small', active: false });
    try {
      const entry = await listed('pve2', 'backup-small');
      expect(entry).toMatchObject({ active: 0, enabled: 1, total: 0, used: 0, avail: 0 });
      expect(entry).not.toHaveProperty('used_fraction');
      const resource = simulator.sim
        .clusterResources('storage')
        .find((r) => r.id === 'storage/pve2/backup-small');
      expect(resource).toMatchObject({ status: 'unknown' });
      expect(resource).not.toHaveProperty('maxdisk');
      const volumes = simulator.sim.state.volumes.length;
      const upid = await client().vzdump('pve2', { vmid: 102, storage: 'backup-small' });
      await expect(client().waitForTask(upid)).rejects.toMatchObject({
        proxmoxText: "could not activate storage 'backup-small': storage 'backup-small' is not online",
      });
      expect(simulator.sim.state.volumes.length).toBe(volumes);
    } finally {
      simulator.sim.setStorage({ storage: 'backup-small', active: true });
    }
  });
});
