import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishRun } from '#shared/services/policy-run/finish-run.ts';
import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

let api: TestApi;
let admin: Caller;
let clusterId: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
});
afterAll(() => api.stop());

const guestSnapshots = (vmid: number) =>
  api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? [];

async function policy(name: string, vmids: number[], snapshot: Record<string, unknown> = {}) {
  const created = await admin.post(
    '/v1/policies',
    policyBody({
      name,
      selector: { guests: vmids.map((vmid) => `${clusterId}.${vmid}`) },
      snapshot: { namePrefix: name, ...snapshot },
      // Every snapshot kept, so what a run took stays visible.
      retention: { keepLast: 50 },
    }),
  );
  expect(created.status).toBe(201);
  return created.body as { id: string };
}

async function runNow(policyId: string) {
  const started = await admin.post(`/v1/policies/${policyId}/runs`);
  expect(started.status).toBe(202);
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/runs/${started.body.id}`)).body;
}

describe('run now', () => {
  it('takes a snapshot per request: two runs in the same minute make two snapshots per guest', async () => {
    const { id } = await policy('twice', [100, 200]);
    // The same minute for both requests, however long the first run takes.
    api.setNow(Date.parse('2026-12-01T10:15:05.000Z'));
    try {
      const first = await admin.post(`/v1/policies/${id}/runs`);
      const second = await admin.post(`/v1/policies/${id}/runs`);
      expect(first.body.id).not.toBe(second.body.id);
      await api.runtime.workflows.drain();
      const runs = await Promise.all(
        [first.body.id, second.body.id].map(async (runId) => (await admin.get(`/v1/runs/${runId}`)).body),
      );
      for (const run of runs) expect(run).toMatchObject({ status: 'succeeded', targets: 2, succeeded: 2 });
      const names = runs.map((run) => run.results[0].snapshotName);
      expect(new Set(names).size).toBe(2);
      for (const name of names) expect(name).toMatch(/^twice-20261201-1015\d{2}-[0-9a-z]{4}$/);
      for (const vmid of [100, 200]) {
        const taken = guestSnapshots(vmid).filter((snapshot) => snapshot.name.startsWith('twice-'));
        expect(taken.map((snapshot) => snapshot.name).sort()).toEqual([...names].sort());
      }
    } finally {
      api.setNow(Date.now());
    }
  });
});

describe('task status polls', () => {
  it('looks again after one server error on a status poll instead of failing a guest whose snapshot was taken', async () => {
    const { id } = await policy('blip', [101]);
    api.simulator.server.failNext({
      status: 500,
      message: 'temporary failure',
      method: 'GET',
      pathContains: '/tasks/',
      count: 1,
    });
    const run = await runNow(id);
    expect(run).toMatchObject({ status: 'succeeded', succeeded: 1, failed: 0 });
    expect(guestSnapshots(101).map((s) => s.name)).toContain(run.results[0].snapshotName);
    const records = (await admin.get(`/v1/guests/${clusterId}.101/snapshots`)).body.items;
    expect(records).toContainEqual(
      expect.objectContaining({ name: run.results[0].snapshotName, status: 'created' }),
    );
  });

  it('asks the guest\u2019s snapshot list when the task status cannot be read at all', async () => {
    const { id } = await policy('blind', [201]);
    api.simulator.server.failNext({
      status: 500,
      message: 'temporary failure',
      method: 'GET',
      pathContains: '/tasks/',
      count: 1000,
    });
    try {
      const run = await runNow(id);
      expect(run).toMatchObject({ status: 'succeeded', succeeded: 1 });
      expect(guestSnapshots(201).map((s) => s.name)).toContain(run.results[0].snapshotName);
    } finally {
      api.simulator.server.clearFaults();
    }
  });

  it('still fails a guest whose snapshot does not exist once the polls keep failing', async () => {
    const { id } = await policy('gone', [202]);
    api.simulator.sim.failTasks({ message: 'zfs error: out of space', type: 'snapshot', vmid: 202 });
    api.simulator.server.failNext({
      status: 500,
      message: 'temporary failure',
      method: 'GET',
      pathContains: '/tasks/',
      count: 1000,
    });
    try {
      const run = await runNow(id);
      expect(run).toMatchObject({ status: 'failed', failed: 1 });
      expect(run.results[0]).toMatchObject({ outcome: 'failed', errorType: 'ProxmoxServerError' });
      expect(guestSnapshots(202).map((s) => s.name)).not.toContain(run.results[0].snapshotName);
    } finally {
      api.simulator.server.clearFaults();
    }
  });
});

describe('locks that outlive the retries', () => {
  it('are reported as ProxmoxLockedError with the lock\u2019s kind, not as a task failure', async () => {
    const { id } = await policy('held', [104]);
    api.simulator.sim.holdLock(104, 'backup');
    try {
      const run = await runNow(id);
      expect(run).toMatchObject({ status: 'failed', failed: 1 });
      expect(run.results[0]).toMatchObject({
        outcome: 'failed',
        errorType: 'ProxmoxLockedError',
        lock: 'backup',
      });
      expect(run.results[0].error).toMatch(/^VM is locked \(backup\) \(still locked after 10 attempts\)$/);
    } finally {
      api.simulator.sim.releaseLock(104);
    }
  });

  it('fail a guest operation with ProxmoxLockedError and the lock\u2019s kind', async () => {
    api.simulator.sim.holdLock(203, 'backup');
    try {
      const requested = await admin.post(`/v1/guests/${clusterId}.203/snapshots`, { name: 'by-hand-locked' });
      expect(requested.status).toBe(202);
      await api.runtime.workflows.drain();
      const operation = (await admin.get(`/v1/operations/${requested.body.id}`)).body;
      expect(operation).toMatchObject({ status: 'failed', errorType: 'ProxmoxLockedError' });
      expect(operation.error).toMatch(/CT is locked \(backup\)/);
    } finally {
      api.simulator.sim.releaseLock(203);
    }
  });
});

describe('a lock met inside a guest operation\u2019s task', () => {
  it('is waited out, and the operation succeeds once the lock is gone', async () => {
    api.simulator.sim.holdLock(203, 'backup');
    const release = setTimeout(() => api.simulator.sim.releaseLock(203), 300);
    try {
      const requested = await admin.post(`/v1/guests/${clusterId}.203/snapshots`, {
        name: 'after-the-backup',
      });
      expect(requested.status).toBe(202);
      await api.runtime.workflows.drain();
      const operation = (await admin.get(`/v1/operations/${requested.body.id}`)).body;
      expect(operation).toMatchObject({ status: 'succeeded' });
      expect(guestSnapshots(203).map((s) => s.name)).toContain('after-the-backup');
    } finally {
      clearTimeout(release);
      api.simulator.sim.releaseLock(203);
    }
  });
});

describe('RAM state', () => {
  it('is recorded as Proxmox lists it: none for a stopped VM or a container, whatever the policy asked', async () => {
    // 103 is a stopped QEMU VM (Proxmox saves RAM only of a running VM); 200 is a container.
    const { id } = await policy('ram', [100, 103, 200], { includeMemory: true });
    const run = await runNow(id);
    expect(run).toMatchObject({ status: 'succeeded', succeeded: 3 });
    const name = run.results[0].snapshotName;
    const recorded = async (vmid: number) =>
      (await admin.get(`/v1/guests/${clusterId}.${vmid}/snapshots`)).body.items.find(
        (record: { name: string }) => record.name === name,
      );
    expect(await recorded(100)).toMatchObject({ vmstate: true });
    expect(await recorded(103)).toMatchObject({ vmstate: false });
    expect(await recorded(200)).toMatchObject({ vmstate: false });
    expect(guestSnapshots(103).find((s) => s.name === name)?.vmstate).toBe(false);
  });

  it('is said not to apply to containers in the targets preview of a policy that asks for it', async () => {
    const { id } = await policy('ram-preview', [100, 200], { includeMemory: true });
    const targets = (await admin.get(`/v1/policies/${id}/targets`)).body.targets;
    const byVmid = Object.fromEntries(targets.map((t: { vmid: number }) => [t.vmid, t]));
    expect(byVmid[200].note).toMatch(/includeMemory does not apply to containers/);
    expect(byVmid[100].note).toBeUndefined();
    const without = await policy('no-ram', [200]);
    expect((await admin.get(`/v1/policies/${without.id}/targets`)).body.targets[0].note).toBeUndefined();
  });

  it('is corrected by reconciliation where a record says otherwise than Proxmox', async () => {
    const { id } = await policy('fix', [201]);
    const first = await runNow(id);
    const name = first.results[0].snapshotName;
    const guestId = `${clusterId}.201`;
    // A record that claims RAM state for a container (as an older version wrote).
    const stored = await api.runtime.store.snapshots.get('acme', guestId, name);
    expect(stored).toBeDefined();
    await api.runtime.store.snapshots.put({ ...(stored as NonNullable<typeof stored>), vmstate: true });
    await runNow(id);
    expect(await api.runtime.store.snapshots.get('acme', guestId, name)).toMatchObject({ vmstate: false });
  });
});

describe('a run that has ended', () => {
  it('keeps a late result as late, logs it, and never counts it or changes its status', async () => {
    const { id } = await policy('ended', [100]);
    const run = await runNow(id);
    expect(run).toMatchObject({ status: 'succeeded', targets: 1, succeeded: 1 });
    const logged: Array<[string, Record<string, unknown>]> = [];
    const published: unknown[] = [];
    const deps = {
      store: api.runtime.store,
      now: Date.now,
      events: { publish: async (events: unknown[]) => void published.push(...events) },
      log: (message: string, fields: Record<string, unknown>) => logged.push([message, fields]),
    } as unknown as ServiceDeps & { log: (message: string, fields: Record<string, unknown>) => void };
    // A lane given up (and stopped) could still deliver one more result: for a guest of this run.
    const late = await recordGuestResult(deps, {
      item: {
        tenantId: 'acme',
        runId: run.id,
        policyId: id,
        policyName: 'ended',
        scheduledTime: run.scheduledTime,
        clusterId,
        snapshotName: run.results[0].snapshotName,
        description: '',
        kind: 'snapshot',
        vzdump: null,
        pruneOnly: false,
        pruneBy: `run ${run.id}`,
        followTasks: false,
        hooks: false,
        guestId: `${clusterId}.101`,
        node: 'pve1',
        guestType: 'qemu',
        vmid: 101,
        vmstate: false,
      },
      outcome: 'failed',
      error: { Error: 'States.Timeout', Cause: 'lane given up' },
    });
    expect(late).toEqual({ recorded: false, late: true, deletions: [] });
    expect(logged).toEqual([
      [expect.stringMatching(/late result/), expect.objectContaining({ runId: run.id })],
    ]);
    const after = (await admin.get(`/v1/runs/${run.id}`)).body;
    expect(after).toMatchObject({ status: 'succeeded', targets: 1, succeeded: 1, failed: 0, late: 1 });
    expect(after.results).toContainEqual(
      expect.objectContaining({ vmid: 101, outcome: 'failed', late: true }),
    );
    // Finishing again changes nothing and lists no late failure in the run's event.
    const again = await finishRun(deps, { tenantId: 'acme', runId: run.id });
    expect(again).toMatchObject({ status: 'succeeded', succeeded: 1, failed: 0 });
    const runEvent = published.find((event) => (event as { type: string }).type === 'run.succeeded') as {
      data: { failures: unknown[] };
    };
    expect(runEvent.data.failures).toEqual([]);
  });

  it('is ended on counts no result changes any more, and a cancel asked for meanwhile is kept', async () => {
    const runs = api.runtime.store.runs;
    const at = new Date().toISOString();
    const run = {
      id: 'run_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      tenantId: 'acme',
      policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      policyName: 'counts',
      scheduledTime: at,
      trigger: 'manual' as const,
      status: 'running' as const,
      targets: 2,
      succeeded: 0,
      failed: 0,
      createdAt: at,
    };
    // Accepted by "run now", then claimed by its workflow, which opens its counter shares.
    expect(await runs.create(run)).toBe(true);
    expect(await runs.claim(run)).toBe(true);
    const result = (vmid: number) => ({
      runId: run.id,
      guestId: `${clusterId}.${vmid}`,
      vmid,
      node: 'pve1',
      snapshotName: 'counts-1',
      outcome: 'succeeded' as const,
      finishedAt: at,
    });
    const record = (vmid: number) => ({
      tenantId: 'acme',
      guestId: `${clusterId}.${vmid}`,
      name: 'counts-1',
      status: 'created' as const,
      vmstate: false,
      createdAt: at,
    });
    expect(await runs.recordResult('acme', result(100), record(100))).toBe('recorded');
    // Counted on one of the run's shares, read back with the run.
    expect(await runs.get('acme', run.id)).toMatchObject({ status: 'running', succeeded: 1, failed: 0 });
    // Counting stops before the run ends: the counts read then are final, a result after is late.
    const counted = await runs.closeCounting('acme', run.id);
    expect(counted).toMatchObject({ status: 'running', succeeded: 1, failed: 0 });
    expect(await runs.recordResult('acme', result(200), record(200))).toBe('late');
    expect(await runs.get('acme', run.id)).toMatchObject({ succeeded: 1, late: 1 });
    // A cancel asked for after the read: a status decided without it is refused, a cancel is not.
    const audit = api.runtime.store.audit.entry({
      id: 'aud_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      tenantId: 'acme',
      at,
      actor: 'ops',
      role: 'operator',
      action: 'run.cancel',
      resourceType: 'run',
      resourceId: run.id,
      outcome: 'success',
      requestId: 'req-1',
    });
    expect(await runs.requestCancel('acme', run.id, { at, by: 'ops' }, audit)).toBe(true);
    if (!counted) throw new Error('the run is gone');
    expect(await runs.finish('acme', run.id, counted, { status: 'partially_failed', finishedAt: at })).toBe(
      false,
    );
    expect(await runs.finish('acme', run.id, counted, { status: 'cancelled', finishedAt: at })).toBe(true);
    // Ended once.
    expect(await runs.finish('acme', run.id, counted, { status: 'cancelled', finishedAt: at })).toBe(false);
    expect(await runs.recordResult('acme', result(100), record(100))).toBe('duplicate');
    expect(await runs.get('acme', run.id)).toMatchObject({
      status: 'cancelled',
      succeeded: 1,
      failed: 0,
      late: 1,
    });
  });
});

describe('run statuses', () => {
  it('read the words older records hold as today\u2019s, and filter by today\u2019s words only', async () => {
    const policyId = 'pol_01JD7W3M4Q8ZC5N2R6T9V0OLD0';
    const old = async (word: string, index: number) => {
      const at = new Date(Date.now() - (index + 1) * 86_400_000).toISOString();
      const id = `run_01JD7W3M4Q8ZC5N2R6T9V0OLD${index}`;
      // Written as an older version did, with its words.
      await api.runtime.store.runs.create({
        id,
        tenantId: 'acme',
        policyId,
        policyName: 'old',
        scheduledTime: at,
        trigger: 'schedule',
        status: word as 'running',
        targets: 1,
        succeeded: word === 'completed' ? 1 : 0,
        failed: word === 'partial' ? 1 : 0,
        createdAt: at,
      });
      return id;
    };
    const completed = await old('completed', 1);
    const partial = await old('partial', 2);
    const pending = await old('pending', 3);
    const listed = async (status: string) =>
      (await admin.get(`/v1/runs?policy=${policyId}&status=${status}`)).body.items.map(
        (r: { id: string }) => r.id,
      );
    expect(await listed('succeeded')).toEqual([completed]);
    expect(await listed('partially_failed')).toEqual([partial]);
    expect(await listed('running')).toEqual([pending]);
    expect((await admin.get(`/v1/runs/${completed}`)).body.status).toBe('succeeded');
    const all = (await admin.get(`/v1/runs?policy=${policyId}`)).body.items.map(
      (r: { status: string }) => r.status,
    );
    expect(all.sort()).toEqual(['partially_failed', 'running', 'succeeded']);
    for (const word of ['completed', 'partial', 'pending']) {
      expect((await admin.get(`/v1/runs?status=${word}`)).status).toBe(400);
    }
  });
});
