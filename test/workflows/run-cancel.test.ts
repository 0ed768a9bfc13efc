import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';

let api: TestApi;
let admin: Caller;
let operator: Caller;
let clusterId: string;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  api = await startTestApi();
  admin = await api.as('acme', 'admin');
  operator = await api.as('acme', 'operator');
  clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  const subscription = await admin.post('/v1/subscriptions', {
    kind: 'webhook',
    target: hooks.url('/runs'),
    filters: { types: ['run.cancelled'] },
  });
  expect(subscription.status).toBe(201);
});
afterAll(async () => {
  await api.stop();
  await hooks.stop();
});

const snapshotTasks = () => api.simulator.sim.state.tasks.filter((task) => task.type.endsWith('snapshot'));
const snapshotsNamed = (prefix: string) =>
  api.simulator.sim.state.guests.flatMap((guest) =>
    guest.snapshots.filter((s) => s.name.startsWith(`${prefix}-`)).map((s) => `${guest.vmid}/${s.name}`),
  );

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('cancelling a run', () => {
  it('starts no further guest, records the one in flight, ends cancelled and says so once', async () => {
    // Three guests on one node, one at a time: the first is in Proxmox when the cancel comes.
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'cancel-me',
          selector: { guests: [`${clusterId}.104`, `${clusterId}.202`, `${clusterId}.203`] },
          snapshot: { namePrefix: 'cxl' },
          concurrency: { perNode: 1 },
          notify: { onSuccess: true, onFailure: true },
        }),
      )
    ).body;
    const before = snapshotTasks().length;
    api.simulator.server.setLatency(150);
    try {
      const started = await operator.post(`/v1/policies/${policy.id}/runs`);
      expect(started.status).toBe(202);
      await until(() => snapshotTasks().length > before);

      const cancelled = await operator.post(`/v1/runs/${started.body.id}/cancel`);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({
        id: started.body.id,
        status: 'running',
        cancelledBy: 'acme-operator',
      });
      expect(cancelled.body.cancelRequestedAt).toEqual(expect.any(String));
      // Asking again is accepted and changes nothing.
      const again = await operator.post(`/v1/runs/${started.body.id}/cancel`);
      expect(again.status).toBe(202);
      expect(again.body.cancelRequestedAt).toBe(cancelled.body.cancelRequestedAt);

      await api.runtime.workflows.drain();
      await api.runtime.notifications.idle();
      const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
      expect(run).toMatchObject({ status: 'cancelled', targets: 3, succeeded: 1, failed: 0, notStarted: 2 });
      expect(run.reason).toMatch(/cancelled by acme-operator.*2 of 3 guests were not started/);
      expect(run.results).toHaveLength(1);
      expect(run.results[0]).toMatchObject({ outcome: 'succeeded' });
      // Only the guest already sent to Proxmox got a snapshot task, and its snapshot exists.
      expect(snapshotTasks().length - before).toBe(1);
      expect(snapshotsNamed('cxl')).toEqual([`${run.results[0].vmid}/${run.results[0].snapshotName}`]);

      const events = hooks.received
        .map((hook) => JSON.parse(hook.body) as { type: string; data: { runId: string; status: string } })
        .filter((event) => event.data.runId === started.body.id);
      expect(events.map((event) => event.type)).toEqual(['run.cancelled']);
      expect(events[0]?.data).toMatchObject({
        status: 'cancelled',
        notStarted: 2,
        cancelledBy: 'acme-operator',
      });

      const listed = await admin.get(`/v1/runs?status=cancelled&policy=${policy.id}`);
      expect(listed.body.items.map((r: { id: string }) => r.id)).toEqual([started.body.id]);
      const audit = await admin.get(
        `/v1/audit?action=run.cancel&resourceType=run&resourceId=${started.body.id}`,
      );
      expect(audit.body.items).toHaveLength(2);
      expect(audit.body.items[0]).toMatchObject({ actor: 'acme-operator', outcome: 'success' });
    } finally {
      api.simulator.server.setLatency(0);
    }
  });

  it('refuses to cancel a run that has ended (409) and changes nothing', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'done',
          selector: { guests: [`${clusterId}.200`] },
          snapshot: { namePrefix: 'dn' },
        }),
      )
    ).body;
    const started = await operator.post(`/v1/policies/${policy.id}/runs`);
    await api.runtime.workflows.drain();
    const response = await operator.post(`/v1/runs/${started.body.id}/cancel`);
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
    const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
    expect(run.status).toBe('succeeded');
    expect(run.cancelRequestedAt).toBeUndefined();
  });

  it('lets only operators cancel, and hides other tenants\u2019 runs', async () => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          name: 'roles',
          selector: { guests: [`${clusterId}.201`] },
          snapshot: { namePrefix: 'rl' },
        }),
      )
    ).body;
    const started = await operator.post(`/v1/policies/${policy.id}/runs`);
    const viewer = await api.as('acme', 'viewer');
    expect((await viewer.post(`/v1/runs/${started.body.id}/cancel`)).status).toBe(403);
    expect(
      (await (await api.as('other', 'operator')).post(`/v1/runs/${started.body.id}/cancel`)).status,
    ).toBe(404);
    await api.runtime.workflows.drain();
    expect((await admin.get(`/v1/runs/${started.body.id}`)).body.status).toBe('succeeded');
  });
});
