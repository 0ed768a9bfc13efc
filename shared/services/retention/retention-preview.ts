import type { AuditContext } from '#shared/domain/audit.ts';
import { decideBackupRetention } from '../backup-policy/backup-retention.ts';
import { requireGuest } from '../guest-reference.ts';
import { getPolicy } from '../policies.ts';
import { policyTargets } from '../policy-targets.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { decideGuestRetention, type SnapshotDecision } from './guest-retention.ts';

export interface GuestRetentionPreview {
  readonly guestId: string;
  readonly decisions: SnapshotDecision[];
}

/**
 * What the policy's retention would keep and delete now, per guest, with reasons; changes
 * nothing. The next run (or the daily sweep) applies the same decisions. One guest (by id or
 * `<cluster>/<vmid>`) must be in the inventory: otherwise 404.
 */
export async function retentionPreview(
  deps: ServiceDeps,
  context: AuditContext,
  policyId: string,
  guestId?: string,
): Promise<GuestRetentionPreview[]> {
  const policy = await getPolicy(deps, context, policyId);
  const guestIds = guestId
    ? [(await requireGuest(deps, context.principal.tenantId, guestId)).id]
    : (await policyTargets(deps, context, policyId)).targets.map((guest) => guest.id);
  const previews: GuestRetentionPreview[] = [];
  for (const id of guestIds) {
    const tenantId = context.principal.tenantId;
    // A backup policy's decisions are on its archives (named by volume id), per storage.
    const decisions =
      policy.kind === 'backup'
        ? decideBackupRetention(policy, await deps.store.backups.listForGuest(tenantId, id), deps.now())
        : decideGuestRetention(policy, await deps.store.snapshots.list(tenantId, id), deps.now());
    previews.push({ guestId: id, decisions });
  }
  return previews;
}
