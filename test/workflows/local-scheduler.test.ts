import { Logger } from '@aws-lambda-powertools/logger';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFor } from '#shared/domain/run.ts';
import { parseCron } from '#shared/domain/schedule/cron.ts';
import { nextRuns } from '#shared/domain/schedule/next-runs.ts';
import { startOffsetMs } from '#shared/domain/schedule/start-window.ts';
import { LocalScheduler } from '#shared/local/local-scheduler.ts';
import type { PolicyRunInput } from '#shared/ports/workflow-starter.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testPolicy } from '#test/support/policies.ts';

const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

describe('the local scheduler', () => {
  let api: TestApi;
  let admin: Caller;
  beforeAll(async () => {
    api = await startTestApi({ scheduler: true });
    admin = await api.as('acme', 'admin');
  });
  afterAll(() => api.stop());

  it('starts a policy run at its scheduled time, which then snapshots the guests', async () => {
    const clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          schedule: { cron: '*/5 * * * *', timezone: 'UTC' },
          selector: { guests: [`${clusterId}.200`] },
          snapshot: { namePrefix: 'tick' },
        }),
      )
    ).body;
    const [tick] = nextRuns(parseCron('*/5 * * * *'), 'UTC', Date.now(), 1) as [number];
    // Move the service's clock to just before the next tick; the scheduler fires once it passes.
    api.setNow(tick - 300);
    const runId = runIdFor(policy.id, new Date(tick).toISOString());
    let run: any;
    for (let attempt = 0; attempt < 100; attempt++) {
      run = (await admin.get(`/v1/runs/${runId}`)).body;
      if (run.status === 'succeeded') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'schedule',
      scheduledTime: new Date(tick).toISOString(),
      succeeded: 1,
    });
    const stamp = new Date(tick).toISOString();
    const name = `tick-${stamp.slice(0, 4)}${stamp.slice(5, 7)}${stamp.slice(8, 10)}-${stamp.slice(11, 13)}${stamp.slice(14, 16)}`;
    expect(
      api.simulator.sim.state.guests.find((g) => g.vmid === 200)?.snapshots.map((s) => s.name),
    ).toContain(name);
  }, 30_000);
});

describe('after downtime', () => {
  it('applies each policy\u2019s missed-run rule: skip, or run once for the latest missed tick', async () => {
    const { store, tableName } = await createTestTable();
    const down = Date.parse('2026-06-01T10:00:00Z');
    const back = Date.parse('2026-06-01T10:30:30Z');
    await store.table.doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'LOCAL#SCHEDULER', sk: 'STATE', evaluatedUntil: down },
      }),
    );
    const policy = (id: string, missedRuns: 'skip' | 'run-once', enabled = true) =>
      testPolicy({
        id,
        name: id,
        enabled,
        schedule: { cron: '*/10 * * * *', timezone: 'UTC', missedRuns },
        schedulerExpression: 'cron(0/10 * * * ? *)',
      });
    await store.policies.create(policy('pol_01JD0000000000000000000001', 'skip'), []);
    await store.policies.create(policy('pol_01JD0000000000000000000002', 'run-once'), []);
    await store.policies.create(policy('pol_01JD0000000000000000000003', 'run-once', false), []);
    // As the tenant's first request does: the scheduler finds tenants through the registry.
    await store.tenants.ensure('acme');
    const started: PolicyRunInput[] = [];
    const scheduler = new LocalScheduler({
      store,
      logger,
      now: () => back,
      start: (input) => started.push(input),
      tickMs: 60_000,
    });
    await scheduler.start();
    await scheduler.stop();
    expect(started).toEqual([
      {
        tenantId: 'acme',
        policyId: 'pol_01JD0000000000000000000002',
        scheduledTime: '2026-06-01T10:30:00.000Z',
        trigger: 'schedule',
      },
    ]);
  });
});

describe('a policy with a start window', () => {
  it('starts each tick once, at its fixed offset inside the window, with the tick as scheduled time', async () => {
    const { store, tableName } = await createTestTable();
    const tick = Date.parse('2026-06-01T02:00:00Z');
    const policy = testPolicy({
      schedule: { cron: '0 2 * * *', timezone: 'UTC', missedRuns: 'skip', startWindowMinutes: 30 },
    });
    await store.policies.create(policy, []);
    await store.tenants.ensure(policy.tenantId);
    const startsAt = tick + startOffsetMs(policy.id, tick, 30);
    let now = tick - 60_000;
    await store.table.doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'LOCAL#SCHEDULER', sk: 'STATE', evaluatedUntil: now },
      }),
    );
    const started: PolicyRunInput[] = [];
    const scheduler = new LocalScheduler({
      store,
      logger,
      now: () => now,
      start: (i) => started.push(i),
      tickMs: 10,
    });
    /** Moves the clock and waits until the scheduler has evaluated up to it. */
    const advanceTo = async (to: number) => {
      now = to;
      for (;;) {
        const state = await store.table.get({ pk: 'LOCAL#SCHEDULER', sk: 'STATE' }, (item) => item);
        if (state?.evaluatedUntil === to) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await scheduler.start();
    try {
      await advanceTo(tick + 1);
      await advanceTo(startsAt - 1);
      expect(started).toEqual([]);
      await advanceTo(startsAt);
      await advanceTo(tick + 30 * 60_000 + 60_000);
      expect(started).toEqual([
        {
          tenantId: 'acme',
          policyId: policy.id,
          scheduledTime: '2026-06-01T02:00:00.000Z',
          trigger: 'schedule',
        },
      ]);
    } finally {
      await scheduler.stop();
    }
  }, 60_000);
});
