import { describe, expect, it } from 'vitest';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { finishEndedExecution } from '#shared/services/ended-executions.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import { createTestTable } from '#test/support/dynamo.ts';

async function setUp() {
  const { store } = await createTestTable();
  const published: DomainEvent[] = [];
  const deps: ServiceDeps = {
    store,
    secrets: { put: async () => '', get: async () => '', delete: async () => undefined },
    proxmox: { call: async () => [] },
    ids: createUlidGenerator(),
    now: () => Date.parse('2026-06-03T03:30:00Z'),
    // By event id, as the outbox and the notifier de-duplicate them.
    events: {
      publish: async (events) => {
        for (const event of events) if (!published.some((p) => p.id === event.id)) published.push(event);
      },
    },
  };
  const at = '2026-06-03T02:00:00.000Z';
  const run = {
    id: 'run_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
    tenantId: 'acme',
    policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
    policyName: 'nightly',
    scheduledTime: at,
    trigger: 'manual' as const,
    status: 'running' as const,
    targets: 3,
    succeeded: 0,
    failed: 0,
    createdAt: at,
  };
  expect(await store.runs.create(run)).toBe(true);
  const input = {
    tenantId: 'acme',
    policyId: run.policyId,
    scheduledTime: at,
    trigger: 'manual',
    runId: run.id,
  };
  return { deps, store, run, input, published };
}

describe('finishing a run whose execution ended early', () => {
  it('ends a run whose execution failed as failed, naming the status and error, with one run.failed event', async () => {
    const { deps, store, run, input, published } = await setUp();
    const ended = {
      workflow: 'policy-run' as const,
      status: 'FAILED' as const,
      input,
      error: 'Lambda.Unknown',
      cause: 'The function ran out of memory',
    };
    expect(await finishEndedExecution(deps, ended)).toBe(`run ${run.id} failed`);
    // EventBridge delivers at least once: the same change again changes and publishes nothing.
    expect(await finishEndedExecution(deps, ended)).toMatch(/^ignored: run .* is failed$/);
    const finished = await store.runs.get('acme', run.id);
    expect(finished).toMatchObject({ status: 'failed' });
    expect(finished?.reason).toBe(
      'the policy-run execution failed (FAILED): Lambda.Unknown: The function ran out of memory; 3 of 3 guests have no recorded result',
    );
    expect(published.map((event) => event.type)).toEqual(['run.failed']);
    expect(published[0]?.data).toMatchObject({ runId: run.id, reason: finished?.reason });
  });

  it('ends a run whose execution timed out as failed, and one that was stopped as cancelled', async () => {
    const timedOut = await setUp();
    await finishEndedExecution(timedOut.deps, {
      workflow: 'policy-run',
      status: 'TIMED_OUT',
      input: timedOut.input,
    });
    expect(await timedOut.store.runs.get('acme', timedOut.run.id)).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^the policy-run execution timed out \(TIMED_OUT\)/),
    });
    const stopped = await setUp();
    await finishEndedExecution(stopped.deps, {
      workflow: 'policy-run',
      status: 'ABORTED',
      input: stopped.input,
    });
    expect(await stopped.store.runs.get('acme', stopped.run.id)).toMatchObject({
      status: 'cancelled',
      notStarted: 3,
      reason: 'the policy-run execution was stopped (ABORTED); 3 of 3 guests were not started',
    });
    expect(stopped.published.map((event) => event.type)).toEqual(['run.cancelled']);
  });

  it('leaves a run that finished before its execution ended as it is', async () => {
    const { deps, store, run, input, published } = await setUp();
    const counted = await store.runs.closeCounting('acme', run.id);
    expect(
      counted &&
        (await store.runs.finish('acme', run.id, counted, { status: 'skipped', finishedAt: run.createdAt })),
    ).toBe(true);
    expect(await finishEndedExecution(deps, { workflow: 'policy-run', status: 'FAILED', input })).toMatch(
      /^ignored/,
    );
    expect(await store.runs.get('acme', run.id)).toMatchObject({ status: 'skipped' });
    expect(published).toEqual([]);
  });
});

describe('finishing a restore-test run whose execution ended early', () => {
  it('fails its unfinished guests with the reason and ends the run; a finished guest keeps its outcome', async () => {
    const { deps, store } = await setUp();
    const guest = {
      clusterId: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      guestName: 'web',
      guestType: 'qemu' as const,
      node: 'pve1',
    };
    await store.restoreTestRuns.save({
      id: 'rtr_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      tenantId: 'acme',
      testId: 'rt_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      testName: 'prove',
      trigger: 'manual',
      scheduledTime: '2026-06-03T03:00:00.000Z',
      status: 'running',
      startedAt: '2026-06-03T03:00:00.000Z',
      items: [
        { ...guest, guestId: `${guest.clusterId}.101`, vmid: 101, phase: 'done', outcome: 'succeeded' },
        { ...guest, guestId: `${guest.clusterId}.102`, vmid: 102, phase: 'checking', testVmid: 900 },
      ],
    });
    const input = {
      tenantId: 'acme',
      restoreTestId: 'rt_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      scheduledTime: '2026-06-03T03:00:00.000Z',
      trigger: 'manual',
      runId: 'rtr_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
    };
    expect(
      await finishEndedExecution(deps, { workflow: 'restore-test', status: 'TIMED_OUT', input }),
    ).toMatch(/^restore-test run rtr_\w+ ended/);
    const ended = await store.restoreTestRuns.get('acme', 'rtr_01JD7W3M4Q8ZC5N2R6T9V0X1Y2');
    expect(ended).toMatchObject({
      status: 'partially_failed',
      reason: 'the restore-test execution timed out (TIMED_OUT)',
      endedAt: expect.any(String),
    });
    expect(ended?.items?.map((item) => [item.vmid, item.outcome, item.phase])).toEqual([
      [101, 'succeeded', 'done'],
      [102, 'failed', 'done'],
    ]);
    expect(ended?.items?.[1]?.reason).toBe('the restore-test execution timed out (TIMED_OUT)');
    // A second status change finds the run ended.
    expect(await finishEndedExecution(deps, { workflow: 'restore-test', status: 'FAILED', input })).toMatch(
      /^ignored/,
    );
  });
});
