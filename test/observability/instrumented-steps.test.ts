import { afterEach, describe, expect, it, vi } from 'vitest';
import { instrument } from '#shared/observability/instrument.ts';
import { measureFinishedRun, measureGuestResult } from '#shared/observability/step-metrics.ts';
import { createTelemetry, METRICS_NAMESPACE } from '#shared/observability/telemetry.ts';
import { claimRun } from '#shared/services/policy-run/claim-run.ts';
import { finishRun } from '#shared/services/policy-run/finish-run.ts';
import { createTestTable } from '#test/support/dynamo.ts';
import { testPolicy } from '#test/support/policies.ts';
import { quietServiceDeps } from '#test/support/service-deps.ts';

/** Every JSON line written to stdout while `work` runs. */
async function stdoutLines(work: () => Promise<unknown>): Promise<Array<Record<string, any>>> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

describe('an instrumented entry point', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('logs with the run’s ids as keys and emits Runs by outcome as an EMF line', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const { store } = await createTestTable();
    const policy = testPolicy();
    await store.policies.create(policy, []);
    const deps = quietServiceDeps(store);
    const { runId } = await claimRun(deps, {
      tenantId: 'acme',
      policyId: policy.id,
      scheduledTime: '2026-06-01T02:00:00.000Z',
      trigger: 'schedule',
    });
    // What functions/workflow/finish-run.ts exports, with this test's dependencies.
    const handler = instrument(
      createTelemetry('pve-snapshots-finish-run'),
      'finish-run',
      (input: { tenantId: string; runId: string }) => finishRun(deps, input),
      measureFinishedRun,
    );
    const lines = await stdoutLines(() => handler({ tenantId: 'acme', runId }));
    const done = lines.find((line) => line.message === 'step done');
    expect(done).toMatchObject({
      service: 'pve-snapshots-finish-run',
      step: 'finish-run',
      tenantId: 'acme',
      runId,
    });
    const emf = lines.find((line) => line._aws);
    expect(emf?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Metrics: [{ Name: 'Runs', Unit: 'Count' }],
    });
    expect(emf?.outcome).toBe((await store.runs.get('acme', runId))?.status);
    expect(emf?.Runs).toBe(1);
  });

  it('emits a guest snapshot’s latency from its task’s start, and its retries', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const started = Math.floor(Date.now() / 1000) - 4;
    const upid = `UPID:pve1:00001234:00005678:${started.toString(16).toUpperCase()}:qmsnapshot:101:root@pam:`;
    const handler = instrument(
      createTelemetry('pve-snapshots-record-result'),
      'record-result',
      async (_input: never) => undefined,
      measureGuestResult,
    );
    const input = { item: { tenantId: 'acme', runId: 'run1' }, outcome: 'succeeded', upid, attempt: 3 };
    const lines = await stdoutLines(() => handler(input as never));
    const metric = (name: string) => lines.find((line) => line[name] !== undefined)?.[name];
    expect(metric('GuestSnapshots')).toBe(1);
    expect(metric('GuestSnapshotLatency')).toBeGreaterThanOrEqual(4000);
    expect(metric('SnapshotRetries')).toBe(2);
  });

  it('prints no metric where metrics are quiet (the local runtime), through the same calls', async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const handler = instrument(
      createTelemetry('pve-snapshots-finish-run', { quietMetrics: true }),
      'finish-run',
      async () => ({ status: 'succeeded' }) as never,
      measureFinishedRun,
    );
    const lines = await stdoutLines(() => handler({ tenantId: 'acme', runId: 'r' }));
    expect(lines.filter((line) => line._aws)).toEqual([]);
    expect(process.env.POWERTOOLS_METRICS_DISABLED).toBeUndefined();
  });
});
