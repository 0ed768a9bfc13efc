import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { Operation } from '#shared/domain/operation.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { recordSafetyBackup } from '../backups/restore-backup.ts';
import { syncClusterInventory } from '../inventory.ts';
import { errorText, type GuestOutcome } from '../policy-run/record-result.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { snapshotsOnProxmox } from './proxmox-snapshots.ts';

type OperationResult = NonNullable<Operation['result']>;

/**
 * Last step of a guest operation: makes what it did visible before it reports the outcome, so
 * a client that sees `succeeded` (or `failed`) can read the results at once:
 * 1. a manual snapshot is recorded (never pruned by a policy) with the RAM state Proxmox
 *    reports; a deleted one loses its record;
 * 2. a restore's safety snapshot is recorded when it exists on Proxmox (also when a later step
 *    failed, so it is never an unrecorded leftover);
 * 3. after a clone, the cluster's inventory is synced: `newGuestId` is reported only when the
 *    new guest exists (a failed clone reports none);
 * 4. the outcome (with Proxmox's text on failure) and the restore event.
 * Every part is idempotent: the workflow retries this step.
 */
export async function finishOperation(
  deps: ServiceDeps,
  input: {
    tenantId: string;
    operationId: string;
    outcome: 'succeeded' | 'failed';
    error?: GuestOutcome['error'];
  },
): Promise<{ status: string }> {
  const operation = await deps.store.operations.get(input.tenantId, input.operationId);
  if (!operation) throw new NotFoundError('operation', input.operationId);
  const finishedAt = new Date(deps.now()).toISOString();
  const ref = parseGuestId(operation.guestId);
  const guest = ref ? await deps.store.guests.get(operation.tenantId, ref.clusterId, ref.vmid) : undefined;
  const result: OperationResult = guest ? await recordResults(deps, operation, guest, input.outcome) : {};
  const withResult = Object.keys(result).length > 0 ? { result } : {};
  const ended: Operation = { ...operation, status: input.outcome, finishedAt, ...withResult };
  if (input.outcome === 'failed') {
    const failure = errorText(input.error);
    await publishRestoreOutcome(deps, ended, failure.text);
    await deps.store.operations.update(input.tenantId, input.operationId, {
      status: 'failed',
      finishedAt,
      ...withResult,
      error: failure.text,
      errorType: failure.type,
    });
    return { status: 'failed' };
  }
  await deps.store.operations.update(input.tenantId, input.operationId, {
    status: 'succeeded',
    finishedAt,
    ...withResult,
  });
  await publishRestoreOutcome(deps, ended);
  return { status: 'succeeded' };
}

async function recordResults(
  deps: ServiceDeps,
  operation: Operation,
  guest: Guest,
  outcome: 'succeeded' | 'failed',
): Promise<OperationResult> {
  switch (operation.kind) {
    case 'snapshot':
      if (outcome === 'succeeded') await recordHandSnapshot(deps, operation, guest, operation.snapshotName);
      return {};
    case 'delete-snapshot':
      if (outcome === 'succeeded')
        await deps.store.snapshots.delete(operation.tenantId, operation.guestId, operation.snapshotName);
      return {};
    case 'restore-in-place': {
      const safety = operation.planned?.safetySnapshot;
      if (!safety) return {};
      const recorded = await recordHandSnapshot(deps, operation, guest, safety, outcome === 'failed');
      return recorded ? { safetySnapshot: safety } : {};
    }
    case 'restore-backup-in-place': {
      // The restored config (name, tags, disks) shows in the inventory at once.
      await syncClusterInventory(deps, systemContext(operation), guest.clusterId).catch(() => undefined);
      const safetyBackupId = await recordSafetyBackup(deps, operation, guest);
      return safetyBackupId ? { safetyBackupId } : {};
    }
    case 'restore-backup-new-guest':
    case 'restore-new-guest': {
      const planned = operation.planned?.newGuestId ? parseGuestId(operation.planned.newGuestId) : undefined;
      if (!planned) return {};
      await syncClusterInventory(deps, systemContext(operation), guest.clusterId).catch(() => undefined);
      const copy = await deps.store.guests.get(operation.tenantId, planned.clusterId, planned.vmid);
      return copy && !copy.gone ? { newGuestId: copy.id } : {};
    }
  }
}

/**
 * Records a snapshot the operation took (manual or safety), with the RAM state and time Proxmox
 * reports. When `onlyIfPresent`, nothing is recorded unless Proxmox has it (a failed restore
 * may have stopped before its safety snapshot). Returns whether it is recorded.
 */
async function recordHandSnapshot(
  deps: ServiceDeps,
  operation: Operation,
  guest: Guest,
  name: string,
  onlyIfPresent = false,
): Promise<boolean> {
  const existing = await deps.store.snapshots.get(operation.tenantId, guest.id, name);
  if (existing) return true;
  const listed = await snapshotsOnProxmox(deps, guest).catch(() => undefined);
  const entry = listed?.find((snapshot) => snapshot.name === name);
  if (onlyIfPresent && !entry) return false;
  const isSafety = name !== operation.snapshotName;
  const description = isSafety ? entry?.description : operation.request.description;
  const record: SnapshotRecord = {
    tenantId: operation.tenantId,
    guestId: guest.id,
    name,
    status: 'created',
    manual: true,
    // What Proxmox stored; if it could not be read, what was asked of it (QEMU only).
    vmstate: entry
      ? entry.vmstate
      : !isSafety && Boolean(operation.request.includeMemory) && guest.type === 'qemu',
    createdAt:
      entry && entry.snaptime > 0
        ? new Date(entry.snaptime * 1000).toISOString()
        : new Date(deps.now()).toISOString(),
    ...(description ? { description } : {}),
  };
  await deps.store.snapshots.put(record);
  return true;
}

const systemContext = (operation: Operation): AuditContext => ({
  principal: { tenantId: operation.tenantId, subject: 'system:guest-operation', role: 'admin' },
  requestId: operation.id,
});

/** Restores report `restore.succeeded` / `restore.failed`; other operations publish nothing. */
async function publishRestoreOutcome(deps: ServiceDeps, operation: Operation, error?: string): Promise<void> {
  if (operation.kind === 'snapshot' || operation.kind === 'delete-snapshot') return;
  await deps.events.publish([
    domainEvent({
      tenantId: operation.tenantId,
      type: error === undefined ? 'restore.succeeded' : 'restore.failed',
      subject: operation.id,
      time: deps.now(),
      data: {
        operationId: operation.id,
        kind: operation.kind,
        guestId: operation.guestId,
        snapshotName: operation.snapshotName,
        ...(operation.backupId ? { backupId: operation.backupId } : {}),
        requestedBy: operation.requestedBy,
        ...(operation.result ? { result: operation.result } : {}),
        ...(error !== undefined ? { error } : {}),
      },
    }),
  ]);
}
