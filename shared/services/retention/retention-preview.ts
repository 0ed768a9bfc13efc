import type { AuditContext } from '#shared/domain/audit.ts';
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
    const records = await deps.store.snapshots.list(context.principal.tenantId, id);
    previews.push({ guestId: id, decisions: decideGuestRetention(policy, records, deps.now()) });
  }
  return previews;
}
