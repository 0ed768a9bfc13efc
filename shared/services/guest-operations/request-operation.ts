import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import {
  type Operation,
  type OperationKind,
  type OperationRequest,
  timestampedSnapshotName,
} from '#shared/domain/operation.ts';
import { PROXMOX_SNAPSHOT_NAME, PROXMOX_SNAPSHOT_NAME_MAX } from '#shared/domain/snapshot-name.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import type { ServiceDeps } from '../service-deps.ts';
import type { WorkflowStarter } from '../workflow-starter.ts';

export interface OperationDeps extends ServiceDeps {
  readonly workflows: WorkflowStarter;
}

const RESERVED = new Set(['current', 'pending', 'vzdump']);

/** Proxmox's snapshot-name rule, checked before anything starts. */
function checkSnapshotName(name: string, path = 'name'): void {
  if (
    name.length > PROXMOX_SNAPSHOT_NAME_MAX ||
    !PROXMOX_SNAPSHOT_NAME.test(name) ||
    RESERVED.has(name.toLowerCase())
  ) {
    throw ValidationError.single(
      path,
      'snapshot-name.proxmox',
      `'${name}' is not a Proxmox snapshot name: a letter, then letters, digits, _ or - (2-40 characters), not current, pending or vzdump`,
    );
  }
}

async function liveGuest(deps: ServiceDeps, context: AuditContext, guestId: string): Promise<Guest> {
  const ref = parseGuestId(guestId);
  const guest = ref
    ? await deps.store.guests.get(context.principal.tenantId, ref.clusterId, ref.vmid)
    : undefined;
  if (!guest) throw new NotFoundError('guest', guestId);
  if (guest.gone)
    throw ValidationError.single('guestId', 'guest.gone', 'the guest no longer exists on its cluster');
  if (guest.template)
    throw ValidationError.single('guestId', 'guest.template', 'Proxmox takes no snapshots of templates');
  return guest;
}

/**
 * Records a guest operation as pending, audits the request, and starts the guest-operation
 * workflow; answers at once (202) with the operation to poll.
 */
export async function requestOperation(
  deps: OperationDeps,
  context: AuditContext,
  kind: OperationKind,
  guestId: string,
  snapshotName: string | undefined,
  request: OperationRequest,
): Promise<Operation> {
  const id = deps.ids.next('op');
  await authorize(deps, context, 'operate', {
    action: `snapshot.${kind}`,
    resourceType: 'guest',
    resourceId: guestId,
  });
  const guest = await liveGuest(deps, context, guestId);
  const name = snapshotName ?? timestampedSnapshotName('manual', deps.now());
  // A new snapshot's name comes from the body; every other operation names one in the path.
  checkSnapshotName(name, kind === 'snapshot' ? 'name' : 'path.snapshotId');
  if (kind === 'restore-new-guest' && request.newGuest?.vmid !== undefined) {
    const taken = await deps.store.guests.get(guest.tenantId, guest.clusterId, request.newGuest.vmid);
    if (taken && !taken.gone)
      throw ValidationError.single(
        'newGuest.vmid',
        'vmid.free',
        `VM ${request.newGuest.vmid} already exists`,
      );
  }
  const operation: Operation = {
    id,
    tenantId: guest.tenantId,
    kind,
    guestId: guest.id,
    snapshotName: name,
    status: 'pending',
    request,
    requestedBy: context.principal.subject,
    createdAt: new Date(deps.now()).toISOString(),
  };
  await deps.store.operations.create(operation);
  await deps.store.audit.record(
    auditEvent(deps, context, {
      action: `snapshot.${kind}`,
      resourceType: 'guest',
      resourceId: guest.id,
      after: { operationId: id, snapshotName: name },
    }),
  );
  await deps.workflows.startGuestOperation(id, { tenantId: guest.tenantId, operationId: id });
  return operation;
}

export async function getOperation(
  deps: ServiceDeps,
  context: AuditContext,
  operationId: string,
): Promise<Operation> {
  const operation = await deps.store.operations.get(context.principal.tenantId, operationId);
  if (!operation) throw new NotFoundError('operation', operationId);
  return operation;
}
