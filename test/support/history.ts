import type { Store } from '#shared/adapters/dynamo/store.ts';
import { formatUpid } from '#shared/domain/proxmox/upid.ts';
import { finalRunStatus, type Run, type RunGuestResult } from '#shared/domain/run.ts';

/** One guest's part of a seeded run: its node, outcome, how long its task took, Proxmox's text. */
export interface SeededResult {
  readonly guestId: string;
  readonly vmid: number;
  readonly node: string;
  readonly seconds?: number;
  readonly error?: string;
  readonly errorType?: string;
}

/**
 * Writes a run of the past as the workflow would have: the run, each guest's result (a task id
 * started at the tick, finished `seconds` later) with its snapshot record, and the end status.
 */
export async function seedRun(
  store: Store,
  run: Pick<Run, 'id' | 'tenantId' | 'policyId' | 'policyName' | 'scheduledTime' | 'trigger'>,
  results: readonly SeededResult[],
): Promise<void> {
  const tick = Date.parse(run.scheduledTime);
  await store.runs.create({
    ...run,
    status: 'running',
    targets: results.length,
    succeeded: 0,
    failed: 0,
    createdAt: run.scheduledTime,
    startedAt: run.scheduledTime,
  });
  const name = `seed-${run.scheduledTime.slice(0, 16).replace(/[-:T]/g, '')}`;
  for (const result of results) {
    const finishedAt = new Date(tick + (result.seconds ?? 1) * 1000).toISOString();
    const failed = result.error !== undefined;
    const recorded: RunGuestResult = {
      runId: run.id,
      guestId: result.guestId,
      vmid: result.vmid,
      node: result.node,
      snapshotName: name,
      outcome: failed ? 'failed' : 'succeeded',
      ...(failed ? { error: result.error as string, errorType: result.errorType ?? 'Error' } : {}),
      ...(result.seconds !== undefined
        ? {
            upid: formatUpid({
              node: result.node,
              pid: 1,
              pstart: 1,
              starttime: tick / 1000,
              type: 'qmsnapshot',
              id: String(result.vmid),
              user: 'root@pam',
            }),
          }
        : {}),
      finishedAt,
    };
    await store.runs.recordResult(run.tenantId, recorded, {
      tenantId: run.tenantId,
      guestId: result.guestId,
      name,
      policyId: run.policyId,
      runId: run.id,
      scheduledTime: run.scheduledTime,
      status: failed ? 'failed' : 'created',
      vmstate: false,
      createdAt: finishedAt,
      ...(failed ? { error: result.error as string } : {}),
    });
  }
  const counted = await store.runs.closeCounting(run.tenantId, run.id);
  if (!counted) throw new Error(`run ${run.id} is gone`);
  const end = new Date(tick + 3_600_000).toISOString();
  await store.runs.finish(run.tenantId, run.id, counted, {
    status: finalRunStatus(counted),
    finishedAt: end,
  });
}
