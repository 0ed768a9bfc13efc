import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxInvalidParameterError, ProxmoxServerError } from '#shared/domain/proxmox-errors.ts';
import { startTestSimulator, type TestSimulator } from '#test/support/simulator.ts';

let simulator: TestSimulator;

beforeAll(async () => {
  simulator = await startTestSimulator();
});
afterAll(() => simulator.close());

const client = () => simulator.client();
const guest = (vmid: number) => simulator.sim.state.guests.find((g) => g.vmid === vmid);

async function archive(node: string, vmid: number, storage = 'backup-nfs'): Promise<string> {
  const before = new Set(simulator.sim.state.volumes.map((v) => v.volid));
  await client().waitForTask(await client().vzdump(node, { vmid, storage }));
  const made = simulator.sim.state.volumes.find((v) => v.vmid === vmid && !before.has(v.volid));
  if (!made) throw new Error('no archive');
  return made.volid;
}

describe('backup archives in the simulator, as pve-storage answers', () => {
  it('sets and clears notes and protection through PUT .../content/{volume}, as the listing then shows', async () => {
    const volid = await archive('pve1', 100);
    await client().updateVolume('pve1', 'backup-nfs', volid, { notes: 'keep me', protected: true });
    const listed = await client().backups('pve1', 'backup-nfs', 100);
    expect(listed.find((v) => v.volid === volid)).toMatchObject({ notes: 'keep me', protected: 1 });
    await client().updateVolume('pve1', 'backup-nfs', volid, { notes: '', protected: false });
    const cleared = (await client().backups('pve1', 'backup-nfs', 100)).find((v) => v.volid === volid);
    expect(cleared).not.toHaveProperty('notes');
    expect(cleared).not.toHaveProperty('protected');
    await expect(
      client().updateVolume(
        'pve1',
        'backup-nfs',
        'backup-nfs:backup/vzdump-qemu-100-2020_01_01-00_00_00.vma',
        {
          notes: 'x',
        },
      ),
    ).rejects.toThrow(/does not exist/);
  });

  it('waits for a deletion with delay: null when done, the task\u2019s error for a protected archive', async () => {
    const volid = await archive('pve2', 102);
    await client().updateVolume('pve2', 'backup-nfs', volid, { protected: true });
    const refused = client().deleteVolume('pve2', 'backup-nfs', volid, 5);
    await expect(refused).rejects.toBeInstanceOf(ProxmoxServerError);
    await expect(refused).rejects.toMatchObject({
      proxmoxText: expect.stringMatching(/^cannot remove protected archive '.*vzdump-qemu-102-/),
    });
    await client().updateVolume('pve2', 'backup-nfs', volid, { protected: false });
    expect(await client().deleteVolume('pve2', 'backup-nfs', volid, 5)).toBeNull();
    expect(simulator.sim.state.volumes.some((v) => v.volid === volid)).toBe(false);
    const upid = await client().deleteVolume('pve2', 'backup-nfs', await archive('pve2', 102));
    expect(upid).toMatch(/^UPID:pve2:.*:imgdel:/);
  });

  it('never gives a new archive the stamp of one deleted a moment ago: a newer archive always sorts after older ones', async () => {
    const first = await archive('pve2', 103);
    const second = await archive('pve2', 103);
    expect(await client().deleteVolume('pve2', 'backup-nfs', first, 5)).toBeNull();
    const third = await archive('pve2', 103);
    // vzdump's stamps sort like time: the third is after the second and never reuses the first's.
    expect(third).not.toBe(first);
    expect([first, second, third].sort()).toEqual([first, second, third]);
  });

  it('refuses a restore over an existing vmid without force, with qemu-server\u2019s text, before any task', async () => {
    const volid = await archive('pve1', 101);
    const tasks = simulator.sim.state.tasks.length;
    await expect(client().restore('pve1', 'qemu', { vmid: 101, archive: volid })).rejects.toMatchObject({
      proxmoxText: "unable to restore VM 101 - VM 101 already exists on node 'pve1'",
    });
    await expect(client().restore('pve1', 'qemu', { vmid: 200, archive: volid })).rejects.toMatchObject({
      proxmoxText: "unable to restore VM 200 - CT 200 already exists on node 'pve1'",
    });
    expect(simulator.sim.state.tasks.length).toBe(tasks);
  });

  it('refuses a restore from an archive that does not exist', async () => {
    await expect(
      client().restore('pve1', 'qemu', {
        vmid: 950,
        archive: 'backup-nfs:backup/vzdump-qemu-100-2001_01_01-00_00_00.vma.zst',
      }),
    ).rejects.toThrow(
      /volume 'backup-nfs:backup\/vzdump-qemu-100-2001_01_01-00_00_00\.vma\.zst' does not exist/,
    );
    expect(guest(950)).toBeUndefined();
  });

  it('restores QEMU (qmrestore, archive) and LXC (vzrestore, ostemplate + restore=1) with the archive\u2019s config', async () => {
    const vm = await archive('pve1', 100);
    const ct = await archive('pve1', 200);
    await client().waitForTask(await client().restore('pve1', 'qemu', { vmid: 960, archive: vm }));
    await client().waitForTask(
      await client().restore('pve1', 'lxc', { vmid: 961, archive: ct, start: true }),
    );
    expect(guest(960)).toMatchObject({
      type: 'qemu',
      name: guest(100)?.name,
      tags: guest(100)?.tags,
      status: 'stopped',
    });
    expect(guest(961)).toMatchObject({ type: 'lxc', name: guest(200)?.name, status: 'running' });
    const types = simulator.sim.state.tasks
      .filter((t) => t.id === '960' || t.id === '961')
      .map((t) => t.type);
    expect(types).toEqual(['qmrestore', 'vzrestore']);
  });

  it('restores over a stopped guest with force, replacing its config and snapshots', async () => {
    const volid = await archive('pve2', 103);
    const target = guest(103);
    if (target) target.name = 'renamed-later';
    await client().waitForTask(await client().createSnapshot('pve2', 'qemu', 103, { name: 'before' }));
    await client().waitForTask(
      await client().restore('pve2', 'qemu', { vmid: 103, archive: volid, force: true }),
    );
    expect(guest(103)).toMatchObject({ name: 'build-runner', snapshots: [] });
  });

  it('renames QEMU guests by name and containers by hostname; each refuses the other\u2019s key', async () => {
    await client().renameGuest('pve1', 'qemu', 960, 'vm-renamed');
    await client().renameGuest('pve1', 'lxc', 961, 'ct-renamed');
    expect([guest(960)?.name, guest(961)?.name]).toEqual(['vm-renamed', 'ct-renamed']);
    await expect(
      client().call('PUT', ['nodes', 'pve1', 'lxc', 961, 'config'], { name: 'x' }),
    ).rejects.toBeInstanceOf(ProxmoxInvalidParameterError);
  });
});
