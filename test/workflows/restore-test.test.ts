import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linksDown, RESTORE_TEST_TAG } from '#shared/domain/restore-test/isolation.ts';
import { type Caller, startTestApi, type TestApi } from '#test/support/api.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';

let api: TestApi;
let admin: Caller;
let operator: Caller;
let clusterId: string;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** The config of every guest at the moment Proxmox was asked to start it, by vmid. */
const startedWith = new Map<number, Record<string, unknown>>();

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url('/restore-tests'),
    filters: { types: ['restore_test.succeeded', 'restore_test.failed'] },
  });
  operator = await api.as('acme', 'operator');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  const sim = api.simulator.sim;
  const setPower = sim.setPower.bind(sim);
  sim.setPower = (user, node, type, vmid, action) => {
    if (action === 'start') startedWith.set(vmid, sim.guestConfig(node, type, vmid));
    return setPower(user, node, type, vmid, action);
  };
  // VM 101 has no guest agent configured; container 201 does not boot.
  sim.setGuestAgent(101, 'missing');
  sim.setNoBoot(201, true);
  for (const vmid of [100, 101, 200, 201]) {
    const response = await operator.post(`/v1/guests/${clusterId}.${vmid}/snapshots`, {
      name: `good-${vmid}`,
    });
    expect(response.status).toBe(202);
  }
  await api.runtime.workflows.drain();
});
afterAll(async () => {
  await api.stop();
  await hooks.stop();
});

const testBody = (vmids: number[], overrides: Record<string, unknown> = {}) => ({
  name: `prove-${vmids.join('-')}`,
  schedule: { cron: '0 4 * * 0', timezone: 'UTC' },
  selector: { guests: vmids.map((vmid) => `lab/${vmid}`) },
  bootTimeoutSeconds: 30,
  ...overrides,
});

async function runToEnd(vmids: number[], overrides: Record<string, unknown> = {}): Promise<any> {
  const created = await admin.post('/v1/restore-tests', testBody(vmids, overrides));
  expect(created.status).toBe(201);
  const started = await operator.post(`/v1/restore-tests/${created.body.id}/run`);
  expect(started.status).toBe(202);
  expect(started.headers.get('location')).toBe(`/v1/restore-test-runs/${started.body.id}`);
  await api.runtime.workflows.drain();
  return (await operator.get(`/v1/restore-test-runs/${started.body.id}`)).body;
}

const simGuest = (vmid: number) => api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid);

describe('restore tests', () => {
  it('proves a VM (agent ping) and a container (running, init alive, its devices in its namespace) from their newest snapshots, isolated, and destroys both copies', async () => {
    const run = await runToEnd([100, 200]);
    expect(run.status).toBe('succeeded');
    expect(run.items).toHaveLength(2);
    for (const item of run.items) {
      expect(item).toMatchObject({
        outcome: 'succeeded',
        phase: 'done',
        destroyed: true,
        point: { kind: 'snapshot', name: `good-${item.vmid}` },
      });
      if (item.guestType === 'qemu') expect(item.checkOutput).toBe('QEMU guest agent: ping answered');
      // A container: its init process alive and its configured device (with its MAC) in its network namespace.
      else
        expect(item.checkOutput).toMatch(
          new RegExp(
            `^status: running; init pid \\d+, up \\d+ s; interfaces: lo, eth0 ${String(
              /hwaddr=([0-9A-F:]+)/.exec(item.isolation.net0)?.[1],
            ).toLowerCase()}$`,
          ),
        );
      expect(item.restoreSeconds).toBeGreaterThanOrEqual(0);
      expect(item.bootSeconds).toBeGreaterThanOrEqual(0);
      expect(item.testVmid).not.toBe(item.vmid);
      // Proxmox was asked to start a copy whose every link was down and that carried only the service's tag.
      const config = startedWith.get(item.testVmid);
      expect(config).toBeDefined();
      expect(Object.keys(config ?? {}).filter((key) => key.startsWith('net')).length).toBeGreaterThan(0);
      expect(linksDown(config ?? {})).toBe(true);
      expect(config?.tags).toBe(RESTORE_TEST_TAG);
      expect(simGuest(item.testVmid)).toBeUndefined();
    }
    // The originals are untouched.
    expect(simGuest(100)?.status).toBe('running');
    expect(simGuest(200)?.tags).toEqual(['infra', 'prod']);
  });

  it('fails a VM without a guest agent with Proxmox’s reason, and still destroys the copy', async () => {
    const run = await runToEnd([101]);
    expect(run.status).toBe('failed');
    const [item] = run.items;
    expect(item).toMatchObject({ outcome: 'failed', phase: 'done', destroyed: true });
    expect(item.reason).toMatch(/^no proof of life within 30 s: .*No QEMU guest agent configured/);
    expect(linksDown(startedWith.get(item.testVmid) ?? {})).toBe(true);
    expect(simGuest(item.testVmid)).toBeUndefined();
  });

  it('fails a container that does not boot with the start task’s error, and destroys the copy', async () => {
    const run = await runToEnd([201]);
    expect(run.status).toBe('failed');
    const [item] = run.items;
    expect(item).toMatchObject({ outcome: 'failed', destroyed: true });
    expect(item.reason).toContain(`startup for container '${item.testVmid}' failed`);
    expect(simGuest(item.testVmid)).toBeUndefined();
  });

  it('proves a container’s newest backup archive by restoring it to an isolated guest', async () => {
    const policy = await admin.post('/v1/policies', {
      name: 'backup-203',
      kind: 'backup',
      schedule: { cron: '0 3 * * *', timezone: 'UTC' },
      selector: { guests: ['lab/203'] },
      backup: { storage: 'backup-nfs' },
    });
    expect(policy.status).toBe(201);
    await operator.post(`/v1/policies/${policy.body.id}/runs`);
    await api.runtime.workflows.drain();
    const [archive] = (await operator.get(`/v1/guests/${clusterId}.203/backups`)).body.items;
    expect(archive?.status).toBe('created');
    const run = await runToEnd([203], { name: 'prove-backup', source: 'backup' });
    expect(run.status).toBe('succeeded');
    const [item] = run.items;
    expect(item).toMatchObject({
      outcome: 'succeeded',
      destroyed: true,
      point: { kind: 'backup', volid: archive.volid, backupId: archive.id },
    });
    expect(linksDown(startedWith.get(item.testVmid) ?? {})).toBe(true);
    expect(startedWith.get(item.testVmid)?.tags).toBe(RESTORE_TEST_TAG);
    expect(simGuest(item.testVmid)).toBeUndefined();
  });

  it('fails a guest without a recovery point at once, creating nothing', async () => {
    const before = api.simulator.sim.state.guests.length;
    const run = await runToEnd([202]);
    expect(run.status).toBe('failed');
    expect(run.items[0]).toMatchObject({
      outcome: 'failed',
      reason: expect.stringContaining('no recovery point'),
    });
    expect(run.items[0].testVmid).toBeUndefined();
    expect(api.simulator.sim.state.guests.length).toBe(before);
  });

  it('publishes one restore_test event per guest and run, with its outcome', async () => {
    await api.runtime.notifications.idle();
    const events = hooks.received
      .filter((hook) => hook.path === '/restore-tests')
      .map((hook) => JSON.parse(hook.body) as { type: string; data: Record<string, any> });
    const byVmid = (vmid: number) =>
      events.filter((event) => event.data.vmid === vmid).map((event) => event.type);
    expect(byVmid(100)).toEqual(['restore_test.succeeded']);
    expect(byVmid(200)).toEqual(['restore_test.succeeded']);
    expect(byVmid(101)).toEqual(['restore_test.failed']);
    expect(byVmid(201)).toEqual(['restore_test.failed']);
    expect(events.find((event) => event.data.vmid === 101)?.data).toMatchObject({
      reason: expect.stringContaining('No QEMU guest agent configured'),
      destroyed: true,
    });
  });

  it('counts the proven recovery points in the compliance report', async () => {
    const report = (await admin.get('/v1/reports/compliance')).body;
    // 100, 200 and 203's archive proven; 101 (no agent) and 201 (no boot) not; 202 had no point.
    expect(report.tenant.restoreTests).toEqual({ tested: 5, proven: 3, failed: 2 });
  });

  it('keeps restore-test copies out of every policy’s targets', async () => {
    const sim = api.simulator.sim;
    const source = simGuest(203);
    if (!source) throw new Error('no guest 203');
    sim.state.guests.push({ ...structuredClone(source), vmid: 9100, tags: [RESTORE_TEST_TAG] });
    await admin.post(`/v1/clusters/${clusterId}/sync`);
    const policy = await admin.post('/v1/policies', {
      name: 'everything',
      schedule: { cron: '0 2 * * *', timezone: 'UTC' },
      selector: { all: true },
    });
    const targets = (await admin.get(`/v1/policies/${policy.body.id}/targets`)).body;
    expect(JSON.stringify(targets)).toContain('restore-test');
    sim.state.guests = sim.state.guests.filter((guest) => guest.vmid !== 9100);
  });
});

describe('restore tests: roles, tenants, validation', () => {
  it('lets only admins change restore tests and operators run them; other tenants see nothing', async () => {
    const viewer = await api.as('acme', 'viewer');
    const created = await admin.post('/v1/restore-tests', testBody([100], { name: 'roles' }));
    const id = created.body.id;
    expect((await operator.post('/v1/restore-tests', testBody([100], { name: 'x' }))).status).toBe(403);
    expect((await viewer.post(`/v1/restore-tests/${id}/run`)).status).toBe(403);
    expect((await operator.patch(`/v1/restore-tests/${id}`, { sample: 1 })).status).toBe(403);
    expect((await viewer.get(`/v1/restore-tests/${id}`)).status).toBe(200);
    const other = await api.as('other', 'admin');
    expect((await other.get(`/v1/restore-tests/${id}`)).status).toBe(404);
    expect((await other.post(`/v1/restore-tests/${id}/run`)).status).toBe(404);
    expect((await other.patch(`/v1/restore-tests/${id}`, { sample: 1 })).status).toBe(404);
    expect((await other.delete(`/v1/restore-tests/${id}`)).status).toBe(404);
    expect((await other.get('/v1/restore-tests')).body.items).toEqual([]);
    expect((await other.get('/v1/restore-test-runs')).body.items).toEqual([]);
    const runs = (await admin.get('/v1/restore-test-runs')).body.items;
    expect(runs.length).toBeGreaterThan(0);
    expect((await other.get(`/v1/restore-test-runs/${runs[0].id}`)).status).toBe(404);
    const patched = await admin.patch(
      `/v1/restore-tests/${id}`,
      { sample: 1 },
      { 'if-match': created.headers.get('etag') ?? '' },
    );
    expect(patched.body).toMatchObject({ sample: 1, version: 2 });
    expect((await admin.delete(`/v1/restore-tests/${id}`)).status).toBe(204);
    expect((await admin.get(`/v1/restore-tests/${id}`)).status).toBe(404);
  });

  it('refuses a bad schedule, an empty selector and an unknown guest, storing nothing', async () => {
    const before = (await admin.get('/v1/restore-tests')).body.items.length;
    const bad = await admin.post(
      '/v1/restore-tests',
      testBody([100], { schedule: { cron: 'every day', timezone: 'UTC' } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ path: 'schedule.cron' }));
    const empty = await admin.post('/v1/restore-tests', { ...testBody([]), selector: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toContainEqual(expect.objectContaining({ rule: 'selector.empty' }));
    expect((await admin.post('/v1/restore-tests', testBody([999]))).status).toBe(422);
    expect((await admin.get('/v1/restore-tests')).body.items.length).toBe(before);
  });
});
