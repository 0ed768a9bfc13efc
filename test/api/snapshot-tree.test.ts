import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let operator: Caller;
let viewer: Caller;
const GUEST = 'lab%2F103';

beforeAll(async () => {
  api = await startTestApi();
  const admin = await api.as('acme', 'admin');
  operator = await api.as('acme', 'operator');
  viewer = await api.as('acme', 'viewer');
  const cluster = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }));
  if (cluster.status !== 201) throw new Error(cluster.text);
}, 60_000);
afterAll(() => api.stop());

async function operation(method: 'post' | 'delete', path: string, body?: unknown): Promise<void> {
  const started = method === 'post' ? await operator.post(path, body ?? {}) : await operator.delete(path);
  expect(started.status, started.text).toBe(202);
  await api.runtime.workflows.drain();
  const done = await viewer.get(`/v1/operations/${started.body.id}`);
  expect(done.body.status, JSON.stringify(done.body)).toBe('succeeded');
}

const tree = async () => {
  const response = await viewer.get(`/v1/guests/${GUEST}/snapshot-tree`);
  expect(response.status, response.text).toBe(200);
  return response.body;
};

describe('snapshot tree', () => {
  it('follows Proxmox through snapshots, a rollback, a snapshot made outside and a deletion', {
    timeout: 180_000,
  }, async () => {
    expect(await tree()).toMatchObject({ roots: [], snapshots: [], current: {} });
    await operation('post', `/v1/guests/${GUEST}/snapshots`, { name: 's1' });
    await operation('post', `/v1/guests/${GUEST}/snapshots`, { name: 's2' });
    expect((await tree()).current).toEqual({ parent: 's2' });
    // Back to s1, then a new branch from there: s2 stays on the old branch.
    await operation('post', `/v1/guests/${GUEST}/snapshots/s1/restore`, {
      mode: 'in_place',
      safetySnapshot: false,
    });
    expect((await tree()).current).toEqual({ parent: 's1' });
    await operation('post', `/v1/guests/${GUEST}/snapshots`, { name: 's3' });
    const branched = await tree();
    expect(branched.snapshots.find((node: { name: string }) => node.name === 's1')).toMatchObject({
      children: ['s2', 's3'],
      descendants: 2,
    });
    // Someone takes a snapshot in Proxmox itself.
    api.simulator.sim.createSnapshot('root@pam', 'pve2', 'qemu', 103, { snapname: 'outside' });
    const deadline = Date.now() + 30_000;
    while (
      (await tree()).snapshots.some((node: { snapstate?: string }) => node.snapstate) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await operation('delete', `/v1/guests/${GUEST}/snapshots/s2`);
    expect((await operator.patch(`/v1/guests/${GUEST}/snapshots/s1`, { protected: true })).status).toBe(200);

    const final = await tree();
    expect(final.roots).toEqual(['s1']);
    expect(final.current).toEqual({ parent: 'outside' });
    // Listed by creation time; `s3` and `outside` may share a second, so compared by name here.
    const byName = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.name).localeCompare(String(b.name));
    expect(
      [...final.snapshots]
        .sort(byName)
        .map((node: Record<string, unknown>) => [
          node.name,
          node.parent,
          node.origin,
          node.children,
          node.descendants,
          node.current,
          node.protected,
        ]),
    ).toEqual([
      ['outside', 's3', 'external', [], 0, true, false],
      ['s1', undefined, 'manual', ['s3'], 2, false, true],
      ['s3', 's1', 'manual', ['outside'], 1, false, false],
    ]);
  });

  it('answers 404 for a guest the tenant does not have', async () => {
    expect((await viewer.get('/v1/guests/lab%2F999/snapshot-tree')).status).toBe(404);
    const other = await api.as('globex', 'viewer');
    expect((await other.get(`/v1/guests/${GUEST}/snapshot-tree`)).status).toBe(404);
  });
});
