import { domainEvent } from '#shared/domain/notifications/events.ts';
import { planPrune } from '../retention/plan-prune.ts';
import type { SnapshotDeletion } from '../retention/prune-work.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { SnapshotWorkItem } from './work-item.ts';

/** What the state machine knows when a guest's snapshot ends. */
export interface GuestOutcome {
  readonly item: SnapshotWorkItem;
  readonly outcome: 'succeeded' | 'failed';
  readonly upid?: string;
  /** Catch output `{Error, Cause}` of a failed step. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** The last task status, when the task itself failed. */
  readonly taskStatus?: { readonly exitstatus?: string; readonly upid?: string };
  readonly attempt?: number;
}

/**
 * Reads Proxmox's own text out of a Step Functions error. The Cause of a failed Lambda task is
 * `{errorType, errorMessage}`, and the connector's errorMessage is its serialized error.
 */
export function errorText(error: GuestOutcome['error']): { type: string; text: string } {
  const type = error?.Error ?? 'Error';
  let text = error?.Cause ?? type;
  try {
    const cause = JSON.parse(text) as { errorMessage?: string };
    text = cause.errorMessage ?? text;
    const serialized = JSON.parse(text) as { message?: string; fields?: { proxmoxText?: string } };
    text = serialized.fields?.proxmoxText || serialized.message || text;
  } catch {
    // a plain text Cause
  }
  return { type, text };
}

/**
 * Records one guest's result and its snapshot record, and counts it on the run; recording the
 * same guest twice (a retried step) changes nothing. After a success it also returns what the
 * policy's retention deletes on the guest now (the preview's decisions), so the lane prunes
 * without a step of its own; a failed snapshot prunes nothing, and neither does a planning error.
 */
export async function recordGuestResult(
  deps: ServiceDeps,
  outcome: GuestOutcome,
): Promise<{ recorded: boolean; deletions: SnapshotDeletion[] }> {
  const { item } = outcome;
  const finishedAt = new Date(deps.now()).toISOString();
  let failure: { type: string; text: string } | undefined;
  if (outcome.outcome === 'failed') {
    failure = outcome.taskStatus?.exitstatus
      ? { type: 'ProxmoxTaskFailedError', text: outcome.taskStatus.exitstatus }
      : errorText(outcome.error);
    if (failure.type === 'ProxmoxLockedError' && outcome.attempt !== undefined) {
      failure = { ...failure, text: `${failure.text} (still locked after ${outcome.attempt} attempts)` };
    }
  }
  const upid = outcome.upid ?? outcome.taskStatus?.upid;
  const recorded = await deps.store.runs.recordResult(
    item.tenantId,
    {
      runId: item.runId,
      guestId: item.guestId,
      vmid: item.vmid,
      node: item.node,
      snapshotName: item.snapshotName,
      outcome: outcome.outcome,
      ...(failure ? { error: failure.text, errorType: failure.type } : {}),
      ...(upid ? { upid } : {}),
      finishedAt,
    },
    {
      tenantId: item.tenantId,
      guestId: item.guestId,
      name: item.snapshotName,
      policyId: item.policyId,
      runId: item.runId,
      scheduledTime: item.scheduledTime,
      status: outcome.outcome === 'succeeded' ? 'created' : 'failed',
      vmstate: item.vmstate,
      createdAt: finishedAt,
      ...(failure ? { error: failure.text } : {}),
    },
  );
  // Published even when this is a retried step (recorded false): the id is the same, and the
  // first attempt may have failed before publishing.
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
        ...(failure ? { error: failure.text } : {}),
      },
    }),
  ]);
  if (outcome.outcome === 'failed') return { recorded, deletions: [] };
  const deletions = await planPrune(deps, { item }).then(
    (plan) => plan.deletions,
    () => [],
  );
  return { recorded, deletions };
}
