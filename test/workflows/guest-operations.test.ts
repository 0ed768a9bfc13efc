import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAND_SNAPSHOT_NAME, PROXMOX_SNAPSHOT_NAME } from '#shared/domain/snapshot-name.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let operator: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
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

  it('names snapshots taken without a name after the time, unique per request within one second', async () => {
    const [first, second] = await Promise.all([
      operator.post(`/v1/guests/${clusterId}.200/snapshots`),
      operator.post(`/v1/guests/${clusterId}.200/snapshots`),
    ]);
    const ops = [await finished(first), await finished(second)];
    expect(ops.map((op) => op.status)).toEqual(['succeeded', 'succeeded']);
    const taken: string[] = ops.map((op) => op.snapshotName);
    expect(new Set(taken).size).toBe(2);
    for (const name of taken) {
      expect(name).toMatch(/^manual-\d{8}-\d{6}-[a-z0-9]{4}$/);
      expect(name).toMatch(PROXMOX_SNAPSHOT_NAME);
      expect(name).toMatch(HAND_SNAPSHOT_NAME);
      expect(name.length).toBeLessThanOrEqual(40);
      expect(names(200)).toContain(name);
    }
  });

  it('refuses RAM state for a container with a 400 naming includeMemory, and starts nothing', async () => {
    const response = await operator.post(`/v1/guests/${clusterId}.202/snapshots`, {
      name: 'with-ram',
      includeMemory: true,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'includeMemory' })]);
    expect(names(202)).not.toContain('with-ram');
    expect((await operator.get(`/v1/operations?guest=${clusterId}.202`)).body.items).toEqual([]);
  });

  it('records the RAM state Proxmox reports: none for a stopped VM asked to save it', async () => {
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.103/snapshots`, {
        name: 'stopped-ram',
        includeMemory: true,
      }),
    );
    expect(op.status).toBe('succeeded');
    expect(guest(103)?.snapshots.find((s) => s.name === 'stopped-ram')?.vmstate).toBe(false);
    const record = await operator.get(`/v1/guests/${clusterId}.103/snapshots/stopped-ram`);
    expect(record.body).toMatchObject({ name: 'stopped-ram', vmstate: false, manual: true });
  });

  it('answers 409 at once for a name the guest already has on Proxmox, even one made outside the service', async () => {
    await api.simulator
      .client()
      .waitForTask(await api.simulator.client().createSnapshot('pve3', 'lxc', 203, { name: 'by-hand' }));
    const response = await operator.post(`/v1/guests/${clusterId}.203/snapshots`, { name: 'by-hand' });
    expect(response.status).toBe(409);
    expect(response.body.detail).toContain('by-hand');
    expect((await operator.get(`/v1/operations?guest=${clusterId}.203`)).body.items).toEqual([]);
  });

  it('answers 404 at once for restoring or deleting a snapshot the guest does not have', async () => {
    for (const request of [
      operator.post(`/v1/guests/${clusterId}.101/snapshots/no-such/restore`, { mode: 'in_place' }),
      operator.post(`/v1/guests/${clusterId}.101/snapshots/no-such/restore`, { mode: 'new_guest' }),
      operator.delete(`/v1/guests/${clusterId}.101/snapshots/no-such`),
    ]) {
      const response = await request;
      expect(response.status).toBe(404);
      expect(response.body.detail).toContain('no-such');
    }
    expect((await operator.get(`/v1/operations?guest=${clusterId}.101`)).body.items).toEqual([]);
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

  it('deletes a snapshot and its record; a second delete answers 404 at once', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.201/snapshots`, { name: 'temp' }));
    const op = await finished(await operator.delete(`/v1/guests/${clusterId}.201/snapshots/temp`));
    expect(op).toMatchObject({ kind: 'delete-snapshot', status: 'succeeded' });
    expect(names(201)).not.toContain('temp');
    expect(
      (await operator.get(`/v1/guests/${clusterId}.201/snapshots`)).body.items.map(
        (r: { name: string }) => r.name,
      ),
    ).not.toContain('temp');
    expect((await operator.delete(`/v1/guests/${clusterId}.201/snapshots/temp`)).status).toBe(404);
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
      expect.stringMatching(/^take safety snapshot safety-\d{8}-\d{6}-[a-z0-9]{4}$/),
      'stop the guest',
      'roll back to known-good',
    ]);
    expect(names(104)).toContain(op.result.safetySnapshot);
    // Recorded when the operation says succeeded, not at the next run's reconciliation.
    const safety = await operator.get(`/v1/guests/${clusterId}.104/snapshots/${op.result.safetySnapshot}`);
    expect(safety.status).toBe(200);
    expect(safety.body).toMatchObject({
      status: 'created',
      manual: true,
      description: 'before restoring known-good',
    });
    expect(guest(104)).toMatchObject({ status: 'running', name: 'staging-app' });
    expect((await api.simulator.client().guestConfig('pve3', 'qemu', 104)).parent).toBe('known-good');
  });

  it('restores to a new guest by cloning the snapshot into the next free vmid, without its tags', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.102/snapshots`, { name: 'for-clone' }));
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.102/snapshots/for-clone/restore`, {
        mode: 'new_guest',
        newGuest: { name: 'db-01-copy' },
      }),
    );
    expect(op.status).toBe('succeeded');
    const newVmid = Number(op.result.newGuestId.split('.').at(-1));
    expect(guest(newVmid)).toMatchObject({ name: 'db-01-copy', node: 'pve2', status: 'stopped', tags: [] });
    // In the inventory as soon as the operation says succeeded, and in no tag-selected policy.
    const copy = await operator.get(`/v1/guests/${op.result.newGuestId}`);
    expect(copy.status).toBe(200);
    expect(copy.body).toMatchObject({ name: 'db-01-copy', tags: [] });
    const policy = await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }));
    const targets = (await admin.get(`/v1/policies/${policy.body.id}/targets`)).body.targets;
    expect(targets.map((target: { id: string }) => target.id)).not.toContain(op.result.newGuestId);
  });

  it('keeps the tags on a clone when asked', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.101/snapshots`, { name: 'tagged' }));
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.101/snapshots/tagged/restore`, {
        mode: 'new_guest',
        newGuest: { copyTags: true },
      }),
    );
    expect(op.status).toBe('succeeded');
    expect((await operator.get(`/v1/guests/${op.result.newGuestId}`)).body.tags).toEqual(['prod', 'web']);
  });

  it('reports no new guest when the clone fails', async () => {
    await finished(await operator.post(`/v1/guests/${clusterId}.100/snapshots`, { name: 'clone-fails' }));
    api.simulator.sim.failTasks({ message: 'clone failed: out of space', type: 'clone', vmid: 100 });
    const op = await finished(
      await operator.post(`/v1/guests/${clusterId}.100/snapshots/clone-fails/restore`, {
        mode: 'new_guest',
        newGuest: { vmid: 4242 },
      }),
    );
    expect(op).toMatchObject({ status: 'failed', error: 'clone failed: out of space' });
    expect(op.result?.newGuestId).toBeUndefined();
    expect(guest(4242)).toBeUndefined();
    expect((await operator.get(`/v1/guests/${clusterId}.4242`)).status).toBe(404);
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

describe('listing operations', () => {
  it('lists operations newest first, filtered by guest (id or cluster/vmid), kind and status, page by page', async () => {
    const caller = operator;
    const taken = [];
    for (const name of ['list-a', 'list-b', 'list-c'])
      taken.push(await finished(await caller.post(`/v1/guests/lab%2F201/snapshots`, { name })));
    const failing = await caller.post(`/v1/guests/${clusterId}.201/snapshots`, { name: 'list-d' });
    api.simulator.sim.failTasks({ message: 'zfs error: out of space', type: 'snapshot', vmid: 201 });
    await finished(failing);
    const ids = async (query: string) =>
      (await api.as('acme', 'viewer').then((viewer) => viewer.get(`/v1/operations?${query}`))).body.items.map(
        (op: { id: string }) => op.id,
      );
    const byGuest = await ids(`guest=${clusterId}.201&kind=snapshot`);
    expect(byGuest.slice(0, 4)).toEqual([failing.body.id, ...taken.map((op) => op.id).reverse()]);
    expect(await ids('guest=lab%2F201&kind=snapshot')).toEqual(byGuest);
    expect(await ids(`guest=${clusterId}.201&status=failed`)).toEqual([failing.body.id]);
    expect(await ids(`guest=${clusterId}.201&kind=restore-in-place`)).toEqual([]);
    expect(await ids('guest=lab%2F999')).toEqual([]);
    const all = await ids('limit=200');
    expect(all.indexOf(failing.body.id)).toBeLessThan(all.indexOf(taken[0].id));

    const first = await caller.get(`/v1/operations?guest=${clusterId}.201&limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await caller.get(
      `/v1/operations?guest=${clusterId}.201&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect([...first.body.items, ...second.body.items].map((op: { id: string }) => op.id)).toEqual(
      byGuest.slice(0, 2 + second.body.items.length),
    );
    expect((await caller.get(`/v1/operations?kind=bogus`)).status).toBe(400);
    expect((await (await api.as('stranger', 'viewer')).get('/v1/operations')).body.items).toEqual([]);
  });
});

describe('a guest\u2019s snapshots', () => {
  it('lists every snapshot Proxmox has, marked by origin, with records whose snapshot is gone, page by page', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({ name: 'listing', selector: { guests: ['lab/203'] }, snapshot: { namePrefix: 'pl' } }),
      )
    ).body;
    await admin.post(`/v1/policies/${policy.id}/runs`);
    await api.runtime.workflows.drain();
    await finished(await operator.post(`/v1/guests/lab%2F203/snapshots`, { name: 'by-api' }));
    const client = api.simulator.client();
    await client.waitForTask(await client.createSnapshot('pve3', 'lxc', 203, { name: 'made-in-proxmox' }));
    await finished(await operator.post(`/v1/guests/lab%2F203/snapshots`, { name: 'vanishes' }));
    await client.waitForTask(await client.deleteSnapshot('pve3', 'lxc', 203, 'vanishes'));

    const items = (await operator.get(`/v1/guests/${clusterId}.203/snapshots?limit=200`)).body.items;
    const byName = (name: string) => items.find((item: { name: string }) => item.name === name);
    const policyName = names(203).find((name) => name.startsWith('pl-'));
    expect(byName(policyName as string)).toMatchObject({
      origin: 'policy',
      policyId: policy.id,
      onProxmox: true,
    });
    expect(byName('by-api')).toMatchObject({ origin: 'manual', status: 'created', onProxmox: true });
    expect(byName('made-in-proxmox')).toMatchObject({
      origin: 'external',
      status: 'created',
      onProxmox: true,
    });
    expect(byName('by-hand')).toMatchObject({ origin: 'external', onProxmox: true });
    expect(byName('vanishes')).toMatchObject({ origin: 'manual', status: 'created', onProxmox: false });
    const times = items.map((item: { createdAt: string }) => item.createdAt);
    expect(times).toEqual([...times].sort().reverse());

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await operator.get(
        `/v1/guests/lab%2F203/snapshots?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { name: string }) => item.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.map((item: { name: string }) => item.name));
    const page = await operator.get(`/v1/guests/${clusterId}.203/snapshots?limit=1`);
    expect(
      (
        await operator.get(
          `/v1/guests/${clusterId}.202/snapshots?cursor=${encodeURIComponent(page.body.nextCursor)}`,
        )
      ).status,
    ).toBe(400);
  });
});
