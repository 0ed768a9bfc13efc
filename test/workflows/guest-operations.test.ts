import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let operator: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  const admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  operator = await api.as('acme', 'operator');
});
afterAll(() => api.stop());

const guest = (vmid: number) => api.simulator.sim.state.guests.find((g) => g.vmid === vmid);
const names = (vmid: number) => (guest(vmid)?.snapshots ?? []).map((s) => s.name);

async function finished(response: { status: number; body: any; headers: Headers }): Promise<any> {
  expect(response.status).toBe(202);
  expect(response.headers.get('location')).toBe(`/v1/operations/${response.body.id}`);
  await api.runtime.workflows.drain();
  return (await operator.get(`/v1/operations/${response.body.id}`)).body;
}

describe('guest operations', () => {
  it('takes a manual snapshot with RAM state and records it as manual', async () => {
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.100/snapshots`, {
        name: 'before-upgrade',
        includeMemory: true,
        description: 'kernel 6.8',
      }),
    );
    expect(op).toMatchObject({
      kind: 'snapshot',
      status: 'succeeded',
      steps: ['take snapshot before-upgrade'],
      requestedBy: 'acme-operator',
    });
    const taken = guest(100)?.snapshots.find((s) => s.name === 'before-upgrade');
    expect(taken).toMatchObject({ vmstate: true, description: 'kernel 6.8' });
    const records = (await operator.get(`/v1/guests/${clusterId}.100/snapshots`)).body.items;
    expect(records).toContainEqual(
      expect.objectContaining({ name: 'before-upgrade', manual: true, status: 'created' }),
    );
  });

  it('names a snapshot taken without a name after the time', async () => {
    const op = await finished(await operator.post(`/v1/guests/${clusterId}.200/snapshots`));
    expect(op.snapshotName).toMatch(/^manual-\d{8}-\d{6}$/);
    expect(names(200)).toContain(op.snapshotName);
  });

  it('rejects a name Proxmox would refuse before anything starts', async () => {
    for (const name of ['1st', 'has space', 'current', 'a'.repeat(41)]) {
      const response = await operator.post(`/v1/guests/${clusterId}.101/snapshots`, { name });
      expect(response.status).toBe(400);
      expect(response.body.errors[0]).toMatchObject({ path: 'name', rule: 'snapshot-name.proxmox' });
    }
    expect(names(101)).toEqual([]);
    expect((await operator.post(`/v1/guests/${clusterId}.9000/snapshots`)).status).toBe(400);
  });

  it('deletes a snapshot and its record; a missing one fails with Proxmox\u2019s text', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.201/snapshots`, { name: 'temp' }));
    const op = await finished(await operator.delete(`/v1/guests/${clusterId}.201/snapshots/temp`));
    expect(op).toMatchObject({ kind: 'delete-snapshot', status: 'succeeded' });
    expect(names(201)).not.toContain('temp');
    expect(
      (await operator.get(`/v1/guests/${clusterId}.201/snapshots`)).body.items.map(
        (r: { name: string }) => r.name,
      ),
    ).not.toContain('temp');
    const missing = await finished(await operator.delete(`/v1/guests/${clusterId}.201/snapshots/temp`));
    expect(missing).toMatchObject({ status: 'failed', error: "snapshot 'temp' does not exist" });
  });

  it('restores in place: safety snapshot, stop, roll back, and start again as it was running', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.104/snapshots`, { name: 'known-good' }));
    const staging = guest(104);
    if (staging) staging.name = 'changed-after-snapshot';
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.104/snapshots/known-good/restore`, { mode: 'in_place' }),
    );
    expect(op.status).toBe('succeeded');
    expect(op.steps).toEqual([
      expect.stringMatching(/^take safety snapshot safety-\d{8}-\d{6}$/),
      'stop the guest',
      'roll back to known-good',
    ]);
    expect(names(104)).toContain(op.result.safetySnapshot);
    expect(guest(104)).toMatchObject({ status: 'running', name: 'staging-app' });
    expect((await api.simulator.client().guestConfig('pve3', 'qemu', 104)).parent).toBe('known-good');
  });

  it('restores to a new guest by cloning the snapshot into the next free vmid', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.102/snapshots`, { name: 'for-clone' }));
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.102/snapshots/for-clone/restore`, {
        mode: 'new_guest',
        newGuest: { name: 'db-01-copy' },
      }),
    );
    expect(op.status).toBe('succeeded');
    const newVmid = Number(op.result.newGuestId.split('.').at(-1));
    expect(guest(newVmid)).toMatchObject({ name: 'db-01-copy', node: 'pve2', status: 'stopped' });
  });

  it('changes a snapshot’s description on Proxmox and pins it', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.101/snapshots`, { name: 'keep-me' }));
    const patched = await operator.patch(`/v1/guests/${clusterId}.101/snapshots/keep-me`, {
      description: 'golden image',
      protected: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'keep-me',
      description: 'golden image',
      protected: true,
      manual: true,
    });
    expect(guest(101)?.snapshots.find((s) => s.name === 'keep-me')?.description).toBe('golden image');
    expect(
      (await operator.patch(`/v1/guests/${clusterId}.101/snapshots/keep-me`, { pinned: true })).status,
    ).toBe(400);
    expect(
      (await operator.patch(`/v1/guests/${clusterId}.101/snapshots/unknown`, { protected: true })).status,
    ).toBe(404);
    expect(
      (
        await (
          await api.as('acme', 'viewer')
        ).patch(`/v1/guests/${clusterId}.101/snapshots/keep-me`, { protected: false })
      ).status,
    ).toBe(403);
  });

  it('lets viewers only read, and hides operations from other tenants', async () => {
    const viewer = await api.as('acme', 'viewer');
    expect((await viewer.post(`/v1/guests/${clusterId}.100/snapshots`)).status).toBe(403);
    const op = await operator.post(`/v1/guests/${clusterId}.100/snapshots`, { name: 'mine' });
    await api.runtime.workflows.drain();
    expect((await viewer.get(`/v1/operations/${op.body.id}`)).status).toBe(200);
    const stranger = await api.as('stranger', 'admin');
    expect((await stranger.get(`/v1/operations/${op.body.id}`)).status).toBe(404);
    expect((await stranger.post(`/v1/guests/${clusterId}.100/snapshots`)).status).toBe(404);
  });
});
