import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFor } from '#shared/domain/run.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

// `tiny`: standard's features with one snapshot per guest and few policies (a run meets it).
// `capped`: room for one byte of archives, so the first backup goes and the second is refused.
const PLANS = {
  tiny: { quotas: { snapshotsPerGuest: 1, policies: 2 } },
  capped: { quotas: { backupBytes: 1 } },
};

let api: TestApi;
let operatorOfService: Caller;

beforeAll(async () => {
  api = await startTestApi({ env: { TENANT_PLANS: JSON.stringify(PLANS) } });
  operatorOfService = await api.asOperator('ops-alice');
});
afterAll(() => api.stop());

const putPlan = (caller: Caller, tenant: string, plan: string) =>
  caller.request('PUT', `/operator/tenants/${tenant}/plan`, { body: { plan } });

/** A tenant with the simulated cluster registered, on the given plan. */
async function tenantOn(tenant: string, plan: string) {
  const admin = await api.as(tenant, 'admin');
  const clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id as string;
  expect((await putPlan(operatorOfService, tenant, plan)).status).toBe(200);
  return { admin, clusterId, operator: await api.as(tenant, 'operator') };
}

/** Runs one scheduled tick of a policy to its end; returns the run as the API shows it. */
async function tick(tenantId: string, admin: Caller, policyId: string, scheduledTime: string) {
  api.setNow(Date.parse(scheduledTime) + 60_000);
  const runId = runIdFor(policyId, scheduledTime);
  await api.runtime.workflows.start(runId, { tenantId, policyId, scheduledTime, trigger: 'schedule' });
  await api.runtime.workflows.drain();
  return (await admin.get(`/v1/runs/${runId}`)).body;
}

/** A daily 03:00 UTC vzdump of `guestId` to `backup-nfs`, keeping the last `keepLast`. */
async function backupPolicy(admin: Caller, guestId: string, keepLast: number) {
  const created = await admin.post(
    '/v1/policies',
    policyBody({
      kind: 'backup',
      backup: { storage: 'backup-nfs' },
      selector: { guests: [guestId] },
      schedule: { cron: '0 3 * * *', timezone: 'UTC' },
      retention: { keepLast },
    }),
  );
  return created.body;
}

const simSnapshots = (vmid: number, prefix: string) =>
  api.simulator.sim.state.guests
    .find((guest) => guest.vmid === vmid)
    ?.snapshots.filter((snapshot) => snapshot.name.startsWith(`${prefix}-`)) ?? [];

describe('the operator route', () => {
  it('refuses every tenant token, whatever its role, and a request without a token', async () => {
    await api.as('victim', 'viewer');
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const refused = await putPlan(await api.as('victim', role), 'victim', 'dedicated');
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain('operator');
    }
    expect((await putPlan(api.raw(), 'victim', 'dedicated')).status).toBe(401);
    expect((await (await api.as('victim', 'viewer')).get('/v1/usage')).body.plan).toBe('standard');
  });

  it('puts a tenant on a plan, audited in the tenant\u2019s trail; refuses an unknown plan or tenant', async () => {
    const admin = await api.as('movingco', 'admin');
    // The tenant comes into being with its first request.
    expect((await admin.get('/v1/settings')).body.plan).toBe('standard');
    const changed = await putPlan(operatorOfService, 'movingco', 'free');
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ tenantId: 'movingco', plan: 'free', previous: 'standard' });
    expect((await admin.get('/v1/settings')).body.plan).toBe('free');
    const audit = (await admin.get('/v1/audit?action=tenant.set-plan')).body.items;
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'operator:ops-alice',
        outcome: 'success',
        before: { plan: 'standard' },
        after: { plan: 'free' },
      }),
    ]);
    const unknown = await putPlan(operatorOfService, 'movingco', 'platinum');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ path: 'plan', rule: 'plan.known' });
    expect((await putPlan(operatorOfService, 'nobody-yet', 'free')).status).toBe(404);
    expect((await admin.get('/v1/settings')).body.plan).toBe('free');
  });

  it('shows a tenant\u2019s plan to the operator only', async () => {
    const admin = await api.as('lookedup', 'admin');
    await admin.get('/v1/settings');
    const shown = await operatorOfService.get('/operator/tenants/lookedup/plan');
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({ tenantId: 'lookedup', plan: 'standard' });
    expect((await operatorOfService.get('/operator/tenants/nobody-yet/plan')).status).toBe(404);
    expect((await admin.get('/operator/tenants/lookedup/plan')).status).toBe(403);
    expect((await api.raw().get('/operator/tenants/lookedup/plan')).status).toBe(401);
  });
});

describe('plan gates', () => {
  it('refuses each feature the free plan lacks with one problem type naming it, and stores nothing', async () => {
    const { admin, clusterId, operator } = await tenantOn('freeco', 'free');
    const attempts: Array<[string, () => Promise<{ status: number; body: any }>, string]> = [
      [
        'backups',
        () =>
          admin.post(
            '/v1/policies',
            policyBody({
              kind: 'backup',
              backup: { storage: 'backup-nfs' },
              selector: { guests: [`${clusterId}.100`] },
            }),
          ),
        'backups are not part of the free plan',
      ],
      [
        'ramSnapshots',
        () => admin.post('/v1/policies', policyBody({ snapshot: { includeMemory: true } })),
        'RAM snapshots are not part of the free plan',
      ],
      [
        'minScheduleIntervalMinutes',
        () => admin.post('/v1/policies', policyBody({ schedule: { cron: '*/5 * * * *', timezone: 'UTC' } })),
        'schedules more often than every 60 minutes are not part of the free plan',
      ],
      [
        'maxRetention',
        () => admin.post('/v1/policies', policyBody({ retention: { keepDaily: 30 } })),
        'retention keeping more than 14 per guest is not part of the free plan (this rule keeps 30)',
      ],
      [
        'ramSnapshots',
        () => operator.post(`/v1/guests/${clusterId}.100/snapshots`, { includeMemory: true }),
        'RAM snapshots are not part of the free plan',
      ],
      [
        'hooks',
        () =>
          admin.post(
            '/v1/policies',
            policyBody({ hooks: { pre: { kind: 'https', url: 'https://hooks.example.com/pre' } } }),
          ),
        'pre/post hooks are not part of the free plan',
      ],
      [
        'restoreTests',
        () =>
          admin.post('/v1/restore-tests', {
            name: 'prove',
            schedule: { cron: '0 4 * * 0', timezone: 'UTC' },
            selector: { guests: [`${clusterId}.100`] },
          }),
        'restore tests are not part of the free plan',
      ],
    ];
    for (const [feature, attempt, detail] of attempts) {
      const refused = await attempt();
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        type: 'urn:pve-snapshots:problem:plan-feature-missing',
        plan: 'free',
        feature,
        detail,
      });
    }
    expect((await admin.get('/v1/policies')).body.items).toEqual([]);
    expect((await admin.get('/v1/restore-tests')).body.items).toEqual([]);
    expect((await admin.get('/v1/operations')).body.items ?? []).toEqual([]);
  });

  it('answers a write past a quota with 409 naming the quota and its limit', async () => {
    const admin = await api.as('freeco', 'admin');
    const second = await admin.post('/v1/clusters', api.clusterBody({ name: 'lab2' }));
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({
      type: 'urn:pve-snapshots:problem:quota-exceeded',
      plan: 'free',
      quota: 'clusters',
      limit: 1,
    });
    expect(second.body.detail).toContain('the free plan allows 1 clusters');
    for (let index = 0; index < 3; index++)
      expect((await admin.post('/v1/policies', policyBody())).status).toBe(201);
    const fourth = await admin.post('/v1/policies', policyBody());
    expect(fourth.status).toBe(409);
    expect(fourth.body).toMatchObject({ quota: 'policies', limit: 3 });
    expect((await admin.get('/v1/policies')).body.items).toHaveLength(3);
    const usage = (await admin.get('/v1/usage')).body;
    expect(usage.quotas.policies).toEqual({ used: 3, limit: 3, exceeded: false });
    expect(usage.quotas.clusters).toEqual({ used: 1, limit: 1, exceeded: false });
  });
});

describe('quotas in a run', () => {
  it('skips a guest whose snapshot would pass its quota, with reason quota, sending nothing to Proxmox', async () => {
    const { admin, clusterId } = await tenantOn('tinyco', 'tiny');
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          selector: { guests: [`${clusterId}.101`] },
          snapshot: { namePrefix: 'tiny' },
          retention: { keepLast: 5 },
        }),
      )
    ).body;
    const first = await tick('tinyco', admin, policy.id, '2026-11-02T02:00:00.000Z');
    expect(first).toMatchObject({ status: 'succeeded', succeeded: 1 });
    const second = await tick('tinyco', admin, policy.id, '2026-11-03T02:00:00.000Z');
    expect(second).toMatchObject({ status: 'failed', succeeded: 0, failed: 1, skipped: 1 });
    expect(second.results[0]).toMatchObject({
      outcome: 'failed',
      errorType: 'QuotaExceededError',
      skipped: true,
      reason: 'quota',
      error: expect.stringContaining('quota snapshotsPerGuest'),
    });
    expect(second.results[0].error).toContain('the tiny plan allows 1 snapshots per guest');
    expect(second.skippedGuests).toEqual({ quota: 1 });
    expect(simSnapshots(101, 'tiny')).toHaveLength(1);
  });
});

describe('backup bytes in a run', () => {
  it('skips a backup that would take the tenant past its bytes quota, naming the quota, and keeps the archive it has', async () => {
    const { admin, clusterId } = await tenantOn('cappedco', 'capped');
    const policy = await backupPolicy(admin, `${clusterId}.201`, 5);
    expect((await tick('cappedco', admin, policy.id, '2026-11-02T03:00:00.000Z')).status).toBe('succeeded');
    const second = await tick('cappedco', admin, policy.id, '2026-11-03T03:00:00.000Z');
    expect(second).toMatchObject({ status: 'failed', skipped: 1 });
    expect(second.results[0]).toMatchObject({ skipped: true, reason: 'quota' });
    expect(second.results[0].error).toMatch(
      /^quota backupBytes: the capped plan allows 1 B bytes of backups/,
    );
    expect(api.simulator.sim.state.volumes.filter((volume) => volume.vmid === 201)).toHaveLength(1);
    const usage = (await admin.get('/v1/usage')).body;
    expect(usage.quotas.backupBytes).toMatchObject({ limit: 1, exceeded: true });
  });
});

describe('a downgrade', () => {
  it('keeps everything the tenant has, reports it over quota, and refuses new work with the reason', async () => {
    const { admin, clusterId } = await tenantOn('shrinkco', 'standard');
    const backup = await backupPolicy(admin, `${clusterId}.102`, 5);
    for (let index = 0; index < 3; index++) await admin.post('/v1/policies', policyBody());
    expect((await tick('shrinkco', admin, backup.id, '2026-11-02T03:00:00.000Z')).status).toBe('succeeded');
    const archives = () => api.simulator.sim.state.volumes.filter((volume) => volume.vmid === 102);
    expect(archives()).toHaveLength(1);

    expect((await putPlan(operatorOfService, 'shrinkco', 'free')).status).toBe(200);
    expect((await admin.get('/v1/policies')).body.items).toHaveLength(4);
    const usage = (await admin.get('/v1/usage')).body;
    expect(usage.plan).toBe('free');
    expect(usage.features.backups).toBe(false);
    expect(usage.quotas.policies).toEqual({ used: 4, limit: 3, exceeded: true });
    expect(usage.quotas.backupBytes).toMatchObject({ used: archives()[0]?.size, limit: 0, exceeded: true });

    const refused = await admin.post('/v1/policies', policyBody());
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('the free plan allows 3 policies; 4 used');
    const run = await tick('shrinkco', admin, backup.id, '2026-11-03T03:00:00.000Z');
    expect(run.results[0]).toMatchObject({
      skipped: true,
      reason: 'quota',
      error: 'backups are not part of the free plan',
    });
    expect(archives()).toHaveLength(1);
    const kept = await api.runtime.store.backups.listForGuest('shrinkco', `${clusterId}.102`);
    expect(kept.filter((record) => record.status === 'created')).toHaveLength(1);
  });
});

describe('usage', () => {
  it('matches the simulator\u2019s storage and snapshots after a mix of runs and prunes', async () => {
    const { admin, clusterId } = await tenantOn('countco', 'dedicated');
    const backup = await backupPolicy(admin, `${clusterId}.104`, 2);
    const snaps = (
      await admin.post(
        '/v1/policies',
        policyBody({
          selector: { guests: [`${clusterId}.104`] },
          snapshot: { namePrefix: 'count' },
          schedule: { cron: '0 2 * * *', timezone: 'UTC' },
          retention: { keepLast: 2 },
        }),
      )
    ).body;
    for (const day of ['02', '03', '04', '05']) {
      await tick('countco', admin, backup.id, `2026-11-${day}T03:00:00.000Z`);
      await tick('countco', admin, snaps.id, `2026-11-${day}T02:00:00.000Z`);
    }
    const volumes = api.simulator.sim.state.volumes.filter((volume) => volume.vmid === 104);
    expect(volumes).toHaveLength(2);
    const usage = (await admin.get('/v1/usage')).body;
    const bytes = volumes.reduce((sum, volume) => sum + volume.size, 0);
    expect(usage.quotas.backupBytes).toEqual({ used: bytes, limit: null, exceeded: false });
    expect(usage.quotas.backupBytesPerStorage).toMatchObject({ used: bytes, where: 'backup-nfs' });
    expect(usage.backupBytesByStorage).toEqual([{ storage: 'backup-nfs', bytes }]);
    expect(usage.quotas.snapshotsPerGuest).toMatchObject({
      used: simSnapshots(104, 'count').length,
      where: `${clusterId}.104`,
    });
    expect(usage.quotas.snapshotsPerGuest.used).toBe(2);
    expect(usage.quotas.policies.used).toBe(2);
    expect(usage.quotas.guestsCovered.used).toBe(1);
    // The byte quotas read the tenant's counter, kept by the same transactions as the records.
    expect(await api.runtime.store.usage.ofTenant('countco')).toEqual([
      { storage: 'backup-nfs', bytes, archives: 2 },
    ]);
  });

  it('keeps a drifted counter only until the daily sweep writes it again from the catalog', async () => {
    const { admin, clusterId } = await tenantOn('driftco', 'dedicated');
    const backup = await backupPolicy(admin, `${clusterId}.104`, 3);
    await tick('driftco', admin, backup.id, '2026-11-10T03:00:00.000Z');
    const [counted] = await api.runtime.store.usage.ofTenant('driftco');
    expect(counted).toMatchObject({ storage: 'backup-nfs', archives: 1 });
    await api.runtime.store.usage.replace('driftco', [
      { storage: 'backup-nfs', bytes: 1, archives: 9 },
      { storage: 'local', bytes: 5, archives: 1 },
    ]);
    expect((await admin.get('/v1/usage')).body.quotas.backupBytes.used).toBe(6);
    await api.runtime.sweep();
    expect(await api.runtime.store.usage.ofTenant('driftco')).toEqual([
      counted,
      { storage: 'local', bytes: 0, archives: 0 },
    ]);
    expect((await admin.get('/v1/usage')).body.backupBytesByStorage).toEqual([
      { storage: 'backup-nfs', bytes: counted?.bytes },
    ]);
  });

  it('shows each tenant only its own use, to every role', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const usage = await (await api.as('emptyco', role)).get('/v1/usage');
      expect(usage.status).toBe(200);
      expect(usage.body.quotas.clusters.used).toBe(0);
      expect(usage.body.quotas.policies.used).toBe(0);
      expect(usage.body.quotas.backupBytes.used).toBe(0);
    }
  });
});
