import type { AuditContext } from '#shared/domain/audit.ts';
import { applyRetention, type RetentionDecision } from '#shared/domain/retention.ts';
import { getPolicy } from './policies.ts';
import { policyTargets } from './policy-targets.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface GuestRetentionPreview {
  readonly guestId: string;
  readonly decisions: Array<RetentionDecision & { readonly name: string }>;
}

/**
 * What the policy's retention would keep and delete now, per guest, with reasons; changes
 * nothing. Only snapshots this policy created are candidates (manual ones and snapshots made in
 * Proxmox by hand never are), and the guest's newest good copy is always kept.
 */
export async function retentionPreview(
  deps: ServiceDeps,
  context: AuditContext,
  policyId: string,
  guestId?: string,
): Promise<GuestRetentionPreview[]> {
  const policy = await getPolicy(deps, context, policyId);
  const guestIds = guestId
    ? [guestId]
    : (await policyTargets(deps, context, policyId)).targets.map((guest) => guest.id);
  const previews: GuestRetentionPreview[] = [];
  for (const id of guestIds) {
    const records = (await deps.store.snapshots.list(context.principal.tenantId, id)).filter(
      (record) => record.policyId === policy.id && record.status === 'created' && !record.manual,
    );
    const time = (record: (typeof records)[number]) => Date.parse(record.scheduledTime ?? record.createdAt);
    const newest = [...records].sort((a, b) => time(b) - time(a))[0];
    const decisions = applyRetention(
      policy.retention,
      policy.schedule.timezone,
      records.map((record) => ({
        id: record.name,
        time: time(record),
        ...(record.protected ? { protected: true } : {}),
      })),
      { now: deps.now(), ...(newest ? { lastGoodId: newest.name } : {}) },
    );
    previews.push({
      guestId: id,
      decisions: decisions.map((decision) => ({ ...decision, name: decision.id })),
    });
  }
  return previews;
}
