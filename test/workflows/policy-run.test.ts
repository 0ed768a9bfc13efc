import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFor } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startTestSimulator } from '#test/support/simulator.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

async function runToEnd(policyId: string): Promise<{ id: string; body: any }> {
  const started = await admin.post(`/v1/policies/${policyId}/runs`);
  expect(started.status).toBe(202);
  expect(started.body.status).toBe('running');
  await api.runtime.workflows.drain();
  const run = await admin.get(`/v1/runs/${started.body.id}`);
  return { id: started.body.id, body: run.body };
}

const snapshotNames = (vmid: number) =>
  (api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? []).map(
    (snapshot) => snapshot.name,
  );

describe('a policy run', () => {
  it('snapshots every selected guest with the deterministic name, records each result and completes', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'prod',
          selector: { tags: ['prod'] },
          snapshot: { namePrefix: 'prod', includeMemory: true },
        }),
      )
    ).body;
    const { body } = await runToEnd(policy.id);
    expect(body).toMatchObject({
      status: 'succeeded',
      targets: 5,
      succeeded: 5,
      failed: 0,
      trigger: 'manual',
      policyName: 'prod',
    });
    expect(body.results.map((r: { vmid: number }) => r.vmid).sort((a: number, b: number) => a - b)).toEqual([
      100, 101, 102, 200, 201,
    ]);
    const name = body.results[0].snapshotName;
    expect(name).toMatch(/^prod-\d{8}-\d{6}-[0-9a-z]{4}$/);
    for (const vmid of [100, 101, 102, 200, 201]) expect(snapshotNames(vmid)).toContain(name);
    const vm = api.simulator.sim.state.guests
      .find((guest) => guest.vmid === 100)
      ?.snapshots.find((s) => s.name === name);
    const ct = api.simulator.sim.state.guests
      .find((guest) => guest.vmid === 200)
      ?.snapshots.find((s) => s.name === name);
    expect(vm?.vmstate).toBe(true);
    expect(ct?.vmstate).toBe(false);
    expect(body.results.every((r: { upid?: string }) => r.upid?.startsWith('UPID:'))).toBe(true);
    const listed = await admin.get(`/v1/runs?policy=${policy.id}`);
    expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([body.id]);
    const records = await admin.get(`/v1/guests/${clusterId}.100/snapshots`);
    expect(records.body.items).toContainEqual(
      expect.objectContaining({
        name,
        status: 'created',
        vmstate: true,
        runId: body.id,
        policyId: policy.id,
      }),
    );
    const targets = await admin.get(`/v1/policies/${policy.id}/targets`);
    expect(
      targets.body.targets.map((g: { vmid: number }) => g.vmid).sort((a: number, b: number) => a - b),
    ).toEqual([100, 101, 102, 200, 201]);
    expect(targets.body.notIncluded).toContainEqual(
      expect.objectContaining({ reason: 'not-selected', guest: expect.objectContaining({ vmid: 104 }) }),
    );
  });

  it('leaves templates, gone guests and excluded guests out', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'everything',
          selector: { all: true, exclude: { tags: ['ci'] } },
          snapshot: { namePrefix: 'all' },
        }),
      )
    ).body;
    await admin.post('/v1/exclusions', {
      guestId: `${clusterId}.202`,
      policyId: policy.id,
      reason: 'maintenance',
    });
    const { body } = await runToEnd(policy.id);
    const vmids = body.results.map((r: { vmid: number }) => r.vmid);
    expect(vmids).not.toContain(9000);
    expect(vmids).not.toContain(103);
    expect(vmids).not.toContain(202);
    expect(body.status).toBe('succeeded');
    const targets = (await admin.get(`/v1/policies/${policy.id}/targets`)).body.notIncluded;
    const reasonOf = (vmid: number) =>
      targets.find((entry: { guest: { vmid: number } }) => entry.guest.vmid === vmid);
    expect(reasonOf(9000)).toMatchObject({ reason: 'template' });
    expect(reasonOf(103)).toMatchObject({ reason: 'excluded-by-selector' });
    expect(reasonOf(202)).toMatchObject({ reason: 'excluded', detail: 'maintenance' });
  });

  it('waits out a guest lock within the run instead of failing at once', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'locked',
          selector: { guests: [`${clusterId}.101`] },
          snapshot: { namePrefix: 'lk' },
        }),
      )
    ).body;
    api.simulator.sim.holdLock(101, 'backup');
    setTimeout(() => api.simulator.sim.releaseLock(101), 120);
    const { body } = await runToEnd(policy.id);
    expect(body).toMatchObject({ status: 'succeeded', succeeded: 1 });
    expect(snapshotNames(101)).toContain(body.results[0].snapshotName);
  });

  it('reports a lock that never goes away as a failure with Proxmox\u2019s text', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'stuck',
          selector: { guests: [`${clusterId}.104`] },
          snapshot: { namePrefix: 'st' },
        }),
      )
    ).body;
    api.simulator.sim.holdLock(104, 'backup');
    try {
      const { body } = await runToEnd(policy.id);
      expect(body).toMatchObject({ status: 'failed', failed: 1 });
      expect(body.results[0].error).toMatch(/VM is locked \(backup\)/);
    } finally {
      api.simulator.sim.releaseLock(104);
    }
  });

  it('is partial when a task fails or a node is unreachable, naming each error', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({ name: 'mixed', selector: { tags: ['prod'] }, snapshot: { namePrefix: 'mx' } }),
      )
    ).body;
    api.simulator.sim.failTasks({ message: 'zfs error: out of space', type: 'snapshot', vmid: 100 });
    api.simulator.server.setNodeUnreachable('pve2', 595);
    try {
      const { body } = await runToEnd(policy.id);
      expect(body.status).toBe('partially_failed');
      const byVmid = Object.fromEntries(body.results.map((r: { vmid: number }) => [r.vmid, r]));
      expect(byVmid[100]).toMatchObject({ outcome: 'failed', error: 'zfs error: out of space' });
      expect(byVmid[102]).toMatchObject({ outcome: 'failed', errorType: 'ProxmoxUnreachableError' });
      expect(byVmid[201]).toMatchObject({ outcome: 'failed', errorType: 'ProxmoxUnreachableError' });
      expect(byVmid[101]).toMatchObject({ outcome: 'succeeded' });
      expect(byVmid[200]).toMatchObject({ outcome: 'succeeded' });
      expect(body).toMatchObject({ targets: 5, succeeded: 2, failed: 3 });
    } finally {
      api.simulator.server.setNodeUnreachable('pve2', undefined);
    }
  });

  it('takes one snapshot per guest per tick however often the tick is started', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'dup',
          selector: { guests: [`${clusterId}.200`] },
          snapshot: { namePrefix: 'dup' },
        }),
      )
    ).body;
    const input = {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: '2026-11-23T02:00:00.000Z',
      trigger: 'schedule' as const,
    };
    await Promise.all([
      api.runtime.workflows.start('a', input),
      api.runtime.workflows.start('b', input),
      api.runtime.workflows.start('c', input),
    ]);
    const run = await admin.get(`/v1/runs/${runIdFor(policy.id, input.scheduledTime)}`);
    expect(run.body).toMatchObject({ status: 'succeeded', targets: 1, succeeded: 1, trigger: 'schedule' });
    expect(snapshotNames(200).filter((name) => name === 'dup-20261123-0200')).toHaveLength(1);
    expect((await admin.get(`/v1/runs?policy=${policy.id}`)).body.items).toHaveLength(1);
  });

  it('finds the snapshot a retried step already took instead of taking a second', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'retry',
          selector: { guests: [`${clusterId}.201`] },
          snapshot: { namePrefix: 'rt' },
        }),
      )
    ).body;
    const scheduledTime = '2026-11-24T02:00:00.000Z';
    // An earlier attempt took the snapshot, then the run was lost before it recorded anything.
    const client = api.simulator.client();
    await client.waitForTask(await client.createSnapshot('pve2', 'lxc', 201, { name: 'rt-20261124-0200' }), {
      initialIntervalMs: 5,
    });
    await api.runtime.workflows.start('retry', {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime,
      trigger: 'schedule',
    });
    const run = await admin.get(`/v1/runs/${runIdFor(policy.id, scheduledTime)}`);
    expect(run.body).toMatchObject({ status: 'succeeded', succeeded: 1 });
    expect(snapshotNames(201).filter((name) => name === 'rt-20261124-0200')).toHaveLength(1);
  });

  it('keeps at most the policy’s number of snapshots in flight on one node', async () => {
    const maxInFlight = async (perNode: number) => {
      const policy = (
        await admin.post(
          '/v1/policies',
          policyBody({
            name: `cap-${perNode}`,
            selector: { all: true },
            snapshot: { namePrefix: `cap${perNode}` },
            concurrency: { perNode },
          }),
        )
      ).body;
      expect(policy.concurrency).toEqual({ perNode });
      let max = 0;
      const sampler = setInterval(() => {
        const running = api.simulator.sim.state.tasks.filter(
          (task) => task.status === 'running' && task.type.endsWith('snapshot'),
        );
        const perNodeCounts = new Map<string, number>();
        for (const task of running) perNodeCounts.set(task.node, (perNodeCounts.get(task.node) ?? 0) + 1);
        max = Math.max(max, ...perNodeCounts.values());
      }, 2);
      await runToEnd(policy.id);
      clearInterval(sampler);
      return max;
    };
    // Slower tasks so the sampler sees them overlap.
    expect(await maxInFlight(1)).toBe(1);
    expect(await maxInFlight(3)).toBeGreaterThan(1);
  });

  it('repairs records after each lane: adopts its snapshots without a record and marks vanished ones missing', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'repair',
          selector: { guests: [`${clusterId}.202`] },
          snapshot: { namePrefix: 'rep' },
        }),
      )
    ).body;
    const earlier = {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: '2026-11-20T02:00:00.000Z',
      trigger: 'schedule' as const,
    };
    await api.runtime.workflows.start('earlier', earlier);
    const taken = 'rep-20261120-0200';
    expect(snapshotNames(202)).toContain(taken);
    const monitoring = api.simulator.sim.state.guests.find((g) => g.vmid === 202);
    // Someone deletes the service's snapshot in Proxmox; a crash left another one unrecorded.
    if (monitoring) monitoring.snapshots = monitoring.snapshots.filter((s) => s.name !== taken);
    const client = api.simulator.client();
    await client.waitForTask(await client.createSnapshot('pve3', 'lxc', 202, { name: 'rep-20250101-0200' }), {
      initialIntervalMs: 5,
    });
    await client.waitForTask(await client.createSnapshot('pve3', 'lxc', 202, { name: 'by-hand' }), {
      initialIntervalMs: 5,
    });
    await runToEnd(policy.id);
    const records = (await admin.get(`/v1/guests/${clusterId}.202/snapshots`)).body.items;
    const byName = Object.fromEntries(records.map((r: { name: string }) => [r.name, r]));
    expect(byName[taken]).toMatchObject({ status: 'missing' });
    expect(byName['rep-20250101-0200']).toMatchObject({
      status: 'created',
      adopted: true,
      policyId: policy.id,
      scheduledTime: '2025-01-01T02:00:00.000Z',
    });
    // Listed as Proxmox has it, but never adopted: no record, no policy.
    expect(byName['by-hand']).toMatchObject({ origin: 'external', onProxmox: true });
    expect(byName['by-hand'].adopted).toBeUndefined();
    expect(await api.runtime.store.snapshots.get('acme', `${clusterId}.202`, 'by-hand')).toBeUndefined();
  });

  it('lets operators run policies and keeps viewers and other tenants out', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({ name: 'roles', selector: { guests: [`${clusterId}.100`] } }),
      )
    ).body;
    expect((await (await api.as('acme', 'viewer')).post(`/v1/policies/${policy.id}/runs`)).status).toBe(403);
    expect((await (await api.as('other', 'admin')).post(`/v1/policies/${policy.id}/runs`)).status).toBe(404);
    const started = await (await api.as('acme', 'operator')).post(`/v1/policies/${policy.id}/runs`);
    expect(started.status).toBe(202);
    await api.runtime.workflows.drain();
    expect((await (await api.as('other', 'admin')).get(`/v1/runs/${started.body.id}`)).status).toBe(404);
  });
});

describe('a run\u2019s targets', () => {
  it('are selected from what the run\u2019s own sync finds: a guest tagged on Proxmox since the last sync is one', async () => {
    const guest = api.simulator.sim.state.guests.find((g) => g.vmid === 102);
    guest?.tags.push('fresh');
    try {
      const policy = (
        await admin.post(
          '/v1/policies',
          policyBody({ name: 'fresh', selector: { tags: ['fresh'] }, snapshot: { namePrefix: 'fresh' } }),
        )
      ).body;
      const { body } = await runToEnd(policy.id);
      expect(body).toMatchObject({ status: 'succeeded', targets: 1, succeeded: 1 });
      expect(body.results.map((r: { vmid: number }) => r.vmid)).toEqual([102]);
      expect(snapshotNames(102)).toContain(body.results[0].snapshotName);
    } finally {
      guest?.tags.pop();
    }
  });

  it('keep a cluster\u2019s last known guests when it cannot be synced', async () => {
    const other = await startTestSimulator();
    try {
      const registered = await admin.post(
        '/v1/clusters',
        api.clusterBody({ name: 'unsynced', url: other.server.url, fingerprint: other.server.fingerprint() }),
      );
      expect(registered.status).toBe(201);
      const known = (await admin.get(`/v1/guests?clusterId=${registered.body.id}&limit=200`)).body.items;
      const live = known.filter((g: { template: boolean }) => !g.template);
      expect(live.length).toBeGreaterThan(0);
      const policy = (
        await admin.post(
          '/v1/policies',
          policyBody({
            name: 'unsynced',
            selector: { guests: live.map((g: { id: string }) => g.id) },
            snapshot: { namePrefix: 'unsynced' },
          }),
        )
      ).body;
      // The run's sync of this cluster fails; its guests' snapshots do not.
      other.server.failNext({
        status: 500,
        message: 'cluster not ready',
        pathContains: '/cluster/resources',
      });
      const { body } = await runToEnd(policy.id);
      expect(body).toMatchObject({ status: 'succeeded', targets: live.length, succeeded: live.length });
      const failedSync = await admin.get('/v1/audit?action=cluster.sync&limit=200');
      expect(
        failedSync.body.items.some(
          (e: { resourceId: string; outcome: string }) =>
            e.resourceId === registered.body.id && e.outcome === 'failure',
        ),
      ).toBe(true);
    } finally {
      await other.close();
    }
  });
});
