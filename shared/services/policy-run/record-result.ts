import { fromStepCause } from '#shared/domain/error-registry.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { WrittenArchive } from '#shared/domain/proxmox/commands.ts';
import { mapTaskFailure } from '#shared/domain/proxmox/task-outcome.ts';
import { skipOf } from '#shared/domain/run-skip.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { recordBackupResult } from '../backup-policy/record-backup.ts';
import { planPrune } from '../retention/plan-prune.ts';
import type { SnapshotDeletion } from '../retention/prune-work.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { reportStorageGuardTrip } from '../storage/storage-episodes.ts';
import type { SnapshotWorkItem } from './work-item.ts';

/** What the state machine knows when a guest's snapshot ends. */
export interface GuestOutcome {
  readonly item: SnapshotWorkItem;
  readonly outcome: 'succeeded' | 'failed';
  readonly upid?: string;
  /** Catch output `{Error, Cause}` of a failed step. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /**
   * The last task status: the task's exit status when the task itself failed; after a snapshot,
   * whether Proxmox stored RAM state with it (`vmstate`, from the guest's snapshot list).
   */
  readonly taskStatus?: {
    readonly exitstatus?: string;
    readonly upid?: string;
    readonly vmstate?: boolean;
    /** A backup's: the archive it wrote, the guest's failure from the log, the log's last lines. */
    readonly archive?: WrittenArchive;
    readonly error?: string;
    readonly logTail?: readonly string[];
  };
  readonly attempt?: number;
}

/** A failure as recorded: the error's name, Proxmox's own text and, for a lock, its kind. */
export interface FailureText {
  readonly type: string;
  readonly text: string;
  readonly lock?: string;
}

/**
 * Reads Proxmox's own text out of a Step Functions error. The Cause of a failed Lambda task is
 * `{errorType, errorMessage}`, and the connector's errorMessage is its serialized error.
 */
export function errorText(error: GuestOutcome['error']): FailureText {
  const type = error?.Error ?? 'Error';
  let text = error?.Cause ?? type;
  let lock: string | undefined;
  const serialized = fromStepCause(text);
  if (serialized) {
    text = (serialized.fields?.proxmoxText as string | undefined) || serialized.message || text;
    lock = (serialized.fields?.lock as string | undefined) || undefined;
  }
  return { type, text, ...(lock ? { lock } : {}) };
}

/**
 * A failed guest as recorded: a task's exit status is classified like any Proxmox text (a lock
 * met inside the task is a `ProxmoxLockedError` with its kind, not a task failure), and a lock
 * that outlived every retry says how many attempts it outlived.
 */
export function failureOf(outcome: GuestOutcome): FailureText {
  // vzdump ends a failed guest's task with `job errors`; the reason is on the guest's log line.
  const exitstatus = outcome.taskStatus?.error ?? outcome.taskStatus?.exitstatus;
  let failure: FailureText;
  if (exitstatus) {
    const mapped = mapTaskFailure(outcome.taskStatus?.upid ?? outcome.upid ?? '', exitstatus);
    const lock = (mapped as { lock?: string }).lock;
    failure = { type: mapped.name, text: exitstatus, ...(lock ? { lock } : {}) };
  } else {
    failure = errorText(outcome.error);
  }
  if (failure.type === 'ProxmoxLockedError' && outcome.attempt !== undefined && outcome.attempt > 0) {
    failure = { ...failure, text: `${failure.text} (still locked after ${outcome.attempt} attempts)` };
  }
  return failure;
}

/** Retention's deletions from a plan; a plan that fails deletes nothing (the next run or sweep decides again). */
const deletionsOf = (plan: ReturnType<typeof planPrune>): Promise<SnapshotDeletion[]> =>
  plan.then(
    (decided) => decided.deletions,
    () => [],
  );

/** Where the record step reports what an operator should know (a late result); Lambda's log by default. */
export type StepLog = (message: string, fields: Record<string, unknown>) => void;
const consoleLog: StepLog = (message, fields) =>
  console.warn(JSON.stringify({ level: 'WARN', message, ...fields }));

/**
 * Records one guest's result and its snapshot record, and counts it on the run; recording the
 * same guest twice (a retried step) changes nothing. A result for a run that has already ended
 * (its lane was given up) is kept as late and logged, never counted. The snapshot record says
 * whether Proxmox stored RAM state (`vmstate` as the snapshot list reports it), not what was
 * asked. After a success it also returns what the policy's retention deletes on the guest now
 * (the preview's decisions), so the lane prunes without a step of its own; a failed snapshot, a
 * late one and a planning error prune nothing.
 */
export async function recordGuestResult(
  deps: ServiceDeps & { readonly log?: StepLog },
  outcome: GuestOutcome,
): Promise<{ recorded: boolean; late: boolean; deletions: SnapshotDeletion[] }> {
  const { item } = outcome;
  await reportStorageGuardTrip(deps, outcome);
  if (item.kind === 'backup') return await recordBackupResult(deps, outcome);
  const finishedAt = new Date(deps.now()).toISOString();
  const failure = outcome.outcome === 'failed' ? failureOf(outcome) : undefined;
  const upid = outcome.upid ?? outcome.taskStatus?.upid;
  // Proxmox's word when it gave one; otherwise what was asked, which only QEMU can store
  // (reconciliation corrects it from the snapshot list).
  const reported = outcome.taskStatus?.vmstate;
  const vmstate =
    outcome.outcome === 'succeeded' &&
    (typeof reported === 'boolean' ? reported : item.guestType === 'qemu' && item.vmstate);
  const snapshotRecord: SnapshotRecord = {
    tenantId: item.tenantId,
    guestId: item.guestId,
    name: item.snapshotName,
    policyId: item.policyId,
    runId: item.runId,
    scheduledTime: item.scheduledTime,
    status: outcome.outcome === 'succeeded' ? 'created' : 'failed',
    vmstate,
    createdAt: finishedAt,
    ...(failure ? { error: failure.text } : {}),
  };
  // Retention's reads go out with the write (the plan counts the record being written whether or
  // not the read lists it yet); its decisions stand only if this write is the one that recorded
  // the result.
  const planned =
    outcome.outcome === 'failed'
      ? undefined
      : deletionsOf(planPrune(deps, { item, written: snapshotRecord }));
  const recorded = await deps.store.runs.recordResult(
    item.tenantId,
    {
      runId: item.runId,
      guestId: item.guestId,
      vmid: item.vmid,
      node: item.node,
      snapshotName: item.snapshotName,
      outcome: outcome.outcome,
      ...(failure ? { error: failure.text, errorType: failure.type, ...skipOf(failure.type) } : {}),
      ...(failure?.lock ? { lock: failure.lock } : {}),
      ...(upid ? { upid } : {}),
      ...(item.hookWarning ? { warning: item.hookWarning } : {}),
      finishedAt,
    },
    snapshotRecord,
  );
  const late = recorded === 'late';
  if (late) {
    (deps.log ?? consoleLog)('late result of a run that has ended: recorded as late, not counted', {
      tenantId: item.tenantId,
      runId: item.runId,
      guestId: item.guestId,
      outcome: outcome.outcome,
      snapshotName: item.snapshotName,
    });
  }
  // A duplicate (the result was recorded before, and its snapshot record with it, maybe as
  // failed): retention decides from the records as stored.
  const pruning =
    !planned || late
      ? Promise.resolve([])
      : recorded === 'recorded'
        ? planned
        : deletionsOf(planPrune(deps, { item }));
  // Published even when this is a retried step (a duplicate): the id is the same, and the first
  // attempt may have failed before publishing. The snapshot's own event is true however late.
  await deps.events.publish([
    domainEvent({
      tenantId: item.tenantId,
      type: outcome.outcome === 'succeeded' ? 'snapshot.created' : 'snapshot.failed',
      subject: `${item.runId}/${item.guestId}`,
      time: deps.now(),
      policyId: item.policyId,
      data: {
        runId: item.runId,
        policyId: item.policyId,
        ...(item.policyName ? { policyName: item.policyName } : {}),
        guestId: item.guestId,
        vmid: item.vmid,
        node: item.node,
        snapshotName: item.snapshotName,
        ...(failure ? { error: failure.text, errorType: failure.type } : {}),
        ...(failure?.lock ? { lock: failure.lock } : {}),
      },
    }),
  ]);
  return { recorded: recorded === 'recorded', late, deletions: await pruning };
}
