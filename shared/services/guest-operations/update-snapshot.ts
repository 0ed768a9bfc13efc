import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { findGuest } from '../guest-reference.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Changes a recorded snapshot: its description (written to Proxmox first, then to the record)
 * and its pin (`protected`: retention never prunes it). Audited with before and after.
 */
export async function updateSnapshot(
  deps: ServiceDeps,
  context: AuditContext,
  guestId: string,
  name: string,
  patch: { description?: string; protected?: boolean },
): Promise<SnapshotRecord> {
  await authorize(deps, context, 'operate', {
    action: 'snapshot.update',
    resourceType: 'guest',
    resourceId: guestId,
  });
  const tenantId = context.principal.tenantId;
  const guest = await findGuest(deps, tenantId, guestId);
  const before = guest ? await deps.store.snapshots.get(tenantId, guest.id, name) : undefined;
  if (!guest || !before) throw new NotFoundError('snapshot', `${guestId}/${name}`);
  if (patch.description !== undefined) {
    await callProxmox(deps.proxmox, {
      tenantId,
      clusterId: guest.clusterId,
      command: {
        type: 'updateSnapshotDescription',
        node: guest.node,
        guestType: guest.type,
        vmid: guest.vmid,
        name,
        description: patch.description,
      },
    });
  }
  const after: SnapshotRecord = {
    ...before,
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.protected !== undefined ? { protected: patch.protected } : {}),
  };
  await deps.store.snapshots.put(after);
  await deps.store.audit.record(
    auditEvent(deps, context, {
      action: 'snapshot.update',
      resourceType: 'guest',
      resourceId: guest.id,
      before: auditSummary(before),
      after: auditSummary(after),
    }),
  );
  return after;
}
