import type { Plan, PlanFeatureError, QuotaExceededError } from './plan.ts';
import { featureRefusal, quotaRefusal } from './quota.ts';

/** The state-changing command of a run's guest, as far as the plan cares. */
export type RunGuestCommand =
  | { readonly type: 'createSnapshot'; readonly vmstate?: boolean | undefined }
  | { readonly type: 'vzdump'; readonly storage: string };

/** What the guest and tenant hold now; only what the command's check needs is read. */
export interface RunGuestUsage {
  /** Snapshots the service holds of this guest. */
  readonly snapshotsHeld: number;
  /** Bytes of the tenant's archives, in total and on the command's storage. */
  readonly backupBytes: number;
  readonly backupBytesOnStorage: number;
  /** What this backup will likely add: the guest's latest archive, or 1 byte when it has none. */
  readonly backupEstimate: number;
}

/**
 * Whether a run may send this guest's command under the tenant's plan: a RAM snapshot or a
 * backup on a plan without it, or a command that would take the tenant past a quota, is
 * refused (the run skips the guest with reason `quota`; what the tenant holds is never touched).
 */
export function runGuestRefusal(
  planName: string,
  plan: Plan,
  command: RunGuestCommand,
  usage: RunGuestUsage,
  guestId: string,
): PlanFeatureError | QuotaExceededError | undefined {
  if (command.type === 'createSnapshot') {
    return (
      (command.vmstate ? featureRefusal(planName, plan, 'ramSnapshots') : undefined) ??
      quotaRefusal(
        planName,
        plan,
        { quota: 'snapshotsPerGuest', used: usage.snapshotsHeld, adding: 1 },
        `guest ${guestId}`,
      )
    );
  }
  return (
    featureRefusal(planName, plan, 'backups') ??
    quotaRefusal(planName, plan, {
      quota: 'backupBytes',
      used: usage.backupBytes,
      adding: usage.backupEstimate,
    }) ??
    quotaRefusal(
      planName,
      plan,
      { quota: 'backupBytesPerStorage', used: usage.backupBytesOnStorage, adding: usage.backupEstimate },
      `storage ${command.storage}`,
    )
  );
}
