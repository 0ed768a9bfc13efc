import { type AuditContext, OPERATION_ACTIONS } from '#shared/domain/audit.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import {
  type Operation,
  type OperationKind,
  type OperationRequest,
  operationNameSuffix,
} from '#shared/domain/operation.ts';
import {
  handSnapshotName,
  PROXMOX_SNAPSHOT_NAME,
  PROXMOX_SNAPSHOT_NAME_MAX,
} from '#shared/domain/snapshot-name.ts';
import type { WorkflowStarter } from '#shared/ports/workflow-starter.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { requireGuest } from '../guest-reference.ts';
import { checkManualSnapshot } from '../plans/plan-checks.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { snapshotsOnProxmox } from './proxmox-snapshots.ts';

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

async function liveGuest(deps: ServiceDeps, context: AuditContext, reference: string): Promise<Guest> {
  const guest = await requireGuest(deps, context.principal.tenantId, reference);
  if (guest.gone)
    throw ValidationError.single('guestId', 'guest.gone', 'the guest no longer exists on its cluster');
  if (guest.template)
    throw ValidationError.single('guestId', 'guest.template', 'Proxmox takes no snapshots of templates');
  return guest;
}

/**
 * Answers at once what would otherwise fail later inside the workflow: a new snapshot's name
 * the guest already has (409), a snapshot to restore or delete that it does not have (404), or
 * one still being taken or deleted (409).
 */
async function checkAgainstProxmox(
  deps: ServiceDeps,
  guest: Guest,
  kind: OperationKind,
  name: string,
): Promise<void> {
  const existing = (await snapshotsOnProxmox(deps, guest)).find((entry) => entry.name === name);
  if (kind === 'snapshot') {
    if (existing) throw new ConflictError(`the guest already has a snapshot named '${name}'`);
    return;
  }
  if (!existing) throw new NotFoundError('snapshot', `${guest.id}/${name}`);
  if (existing.snapstate && kind !== 'delete-snapshot')
    throw new ConflictError(
      `snapshot '${name}' is incomplete (snapstate ${existing.snapstate}) and cannot be restored`,
    );
}

/**
 * Records a guest operation as pending, audits the request, and starts the guest-operation
 * workflow; answers at once (202) with the operation to poll. Before anything is written:
 * 1. the caller's role, 2. the guest (by id or `<cluster>/<vmid>`: 404 when unknown; live, no
 * template), 3. the snapshot name (Proxmox's rule; a default one unique per request) and what
 * the guest can do (no RAM state for containers), 4. a free vmid for a clone, 5. the guest's
 * snapshots on Proxmox (a taken name is 409, a missing snapshot 404).
 */
export async function requestOperation(
  deps: OperationDeps,
  context: AuditContext,
  kind: OperationKind,
  guestReference: string,
  snapshotName: string | undefined,
  request: OperationRequest,
): Promise<Operation> {
  const id = deps.ids.next('op');
  await authorize(deps, context, 'operate', {
    action: OPERATION_ACTIONS[kind],
    resourceType: 'guest',
    resourceId: guestReference,
  });
  const guest = await liveGuest(deps, context, guestReference);
  const name = snapshotName ?? handSnapshotName('manual', deps.now(), operationNameSuffix(id));
  // A new snapshot's name comes from the body; every other operation names one in the path.
  checkSnapshotName(name, kind === 'snapshot' ? 'name' : 'path.snapshotId');
  if (kind === 'snapshot' && request.includeMemory && guest.type === 'lxc')
    throw ValidationError.single(
      'includeMemory',
      'include-memory.qemu-only',
      'containers (LXC) have no RAM state to save: Proxmox snapshots memory of QEMU VMs only',
    );
  if (kind === 'restore-new-guest' && request.newGuest?.vmid !== undefined) {
    const taken = await deps.store.guests.get(guest.tenantId, guest.clusterId, request.newGuest.vmid);
    if (taken && !taken.gone)
      throw ValidationError.single(
        'newGuest.vmid',
        'vmid.free',
        `VM ${request.newGuest.vmid} already exists`,
      );
  }
  if (kind === 'snapshot')
    await checkManualSnapshot(deps, guest.tenantId, guest.id, Boolean(request.includeMemory));
  await checkAgainstProxmox(deps, guest, kind, name);
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
  return await startOperation(deps, context, operation, {
    resourceType: 'guest',
    resourceId: guest.id,
    after: { operationId: id, snapshotName: name },
  });
}

/** Records a checked request as a pending operation, audits it, and starts its workflow. */
export async function startOperation(
  deps: OperationDeps,
  context: AuditContext,
  operation: Operation,
  audit: { resourceType: string; resourceId: string; after: Record<string, unknown> },
): Promise<Operation> {
  await deps.store.operations.create(operation);
  await deps.store.audit.record(
    auditEvent(deps, context, { action: OPERATION_ACTIONS[operation.kind], ...audit }),
  );
  await deps.workflows.startGuestOperation(operation.id, {
    tenantId: operation.tenantId,
    operationId: operation.id,
  });
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
