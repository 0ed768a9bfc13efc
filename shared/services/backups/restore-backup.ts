import { type AuditContext, OPERATION_ACTIONS } from '#shared/domain/audit.ts';
import { parseArchiveName } from '#shared/domain/backup/archive-name.ts';
import { type BackupRecord, formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { formatGuestId } from '#shared/domain/guest-id.ts';
import type { Operation, OperationRequest } from '#shared/domain/operation.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { authorize } from '../audit-trail.ts';
import type { OperationStep } from '../guest-operations/plan-operation.ts';
import { type OperationDeps, startOperation } from '../guest-operations/request-operation.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { getBackup } from './catalog.ts';

export interface BackupRestoreRequest {
  /** Restore over the original guest (its vmid); anything else makes a new guest. */
  readonly overwrite: boolean;
  readonly safetyBackup: boolean;
  readonly start?: boolean;
  readonly newGuest?: NonNullable<OperationRequest['newGuest']>;
}

/**
 * Records a restore from a backup as a pending guest operation, audits it and starts the
 * guest-operation workflow; answers at once (202). Before anything is written: the caller's
 * role, the backup (404; an archive that is not `created` is 409), the mode (`overwrite` only
 * with the original guest still there, and without new-guest options), a given vmid that is
 * free, and the archive on its storage as Proxmox lists it now (404 when it is gone).
 */
export async function requestBackupRestore(
  deps: OperationDeps,
  context: AuditContext,
  backupId: string,
  request: BackupRestoreRequest,
): Promise<Operation> {
  const kind = request.overwrite ? 'restore-backup-in-place' : 'restore-backup-new-guest';
  await authorize(deps, context, 'operate', {
    action: OPERATION_ACTIONS[kind],
    resourceType: 'backup',
    resourceId: backupId,
  });
  const backup = await getBackup(deps, context, backupId);
  if (backup.status !== 'created' || !backup.volid)
    throw new ConflictError(
      backup.status === 'failed'
        ? 'the backup failed: there is no archive to restore'
        : `the archive is ${backup.status}: it cannot be restored`,
    );
  const guest = await originalGuest(deps, backup);
  if (request.overwrite) {
    if (request.newGuest)
      throw ValidationError.single('newGuest', 'restore.mode', 'newGuest does not go with overwrite: true');
    if (!guest || guest.gone)
      throw new ConflictError(
        `the original guest ${backup.vmid} no longer exists: restore to a new guest (newGuest.vmid ${backup.vmid} keeps its id)`,
      );
  } else if (request.newGuest?.vmid !== undefined) {
    const taken = await deps.store.guests.get(backup.tenantId, backup.clusterId, request.newGuest.vmid);
    if (taken && !taken.gone)
      throw ValidationError.single(
        'newGuest.vmid',
        'vmid.free',
        `${taken.type === 'qemu' ? 'VM' : 'CT'} ${request.newGuest.vmid} already exists; restore over it with overwrite: true`,
      );
  }
  const listed = await callProxmox(deps.proxmox, {
    tenantId: backup.tenantId,
    clusterId: backup.clusterId,
    command: { type: 'listBackups', node: backup.node, storage: backup.storage, vmid: backup.vmid },
  });
  if (!listed.some((volume) => volume.volid === backup.volid))
    throw new NotFoundError('backup archive', backup.volid);
  const id = deps.ids.next('op');
  const operation: Operation = {
    id,
    tenantId: backup.tenantId,
    kind,
    guestId: backup.guestId,
    snapshotName: archiveFile(backup.volid),
    backupId: backup.id,
    status: 'pending',
    request: {
      ...(request.overwrite ? { safetyBackup: request.safetyBackup } : {}),
      ...(request.start !== undefined ? { start: request.start } : {}),
      ...(request.newGuest ? { newGuest: request.newGuest } : {}),
    },
    requestedBy: context.principal.subject,
    createdAt: new Date(deps.now()).toISOString(),
  };
  return await startOperation(deps, context, operation, {
    resourceType: 'backup',
    resourceId: backup.id,
    after: { operationId: id, volid: backup.volid, overwrite: request.overwrite },
  });
}

const archiveFile = (volid: string) => volid.slice(volid.lastIndexOf('/') + 1);

async function originalGuest(deps: ServiceDeps, backup: BackupRecord): Promise<Guest | undefined> {
  return await deps.store.guests.get(backup.tenantId, backup.clusterId, backup.vmid);
}

async function restoringBackup(
  deps: ServiceDeps,
  operation: Operation,
): Promise<BackupRecord & { volid: string }> {
  const backup = operation.backupId
    ? await deps.store.backups.get(operation.tenantId, operation.guestId, operation.backupId)
    : undefined;
  if (!backup?.volid) throw new NotFoundError('backup', operation.backupId ?? operation.guestId);
  return { ...backup, volid: backup.volid };
}

/**
 * Plans a restore from a backup.
 * - To a new guest: restore the archive into the next free (or the given) vmid on the given
 *   node (default: the archive's), rename it if asked, remove the tags the archive's config
 *   brought (unless `newGuest.copyTags`: a tag-selected policy would otherwise take it on),
 *   and start it if asked (Proxmox's `start` of the restore).
 * - Over the original guest: a safety backup to the archive's storage first (unless declined;
 *   a snapshot would not survive, the restore replaces the guest's disks), stop the guest if it
 *   runs, restore with `force`, start it if asked (default: if it was running).
 */
export async function planBackupRestore(
  deps: ServiceDeps,
  operation: Operation,
): Promise<{ steps: OperationStep[]; planned: NonNullable<Operation['planned']> }> {
  const backup = await restoringBackup(deps, operation);
  const step = (label: string, command: ConnectorCommand): OperationStep => ({
    tenantId: operation.tenantId,
    clusterId: backup.clusterId,
    label,
    command,
  });
  const call = <C extends ConnectorCommand>(command: C) =>
    callProxmox(deps.proxmox, { tenantId: operation.tenantId, clusterId: backup.clusterId, command });
  const { request } = operation;
  const file = archiveFile(backup.volid);
  if (operation.kind === 'restore-backup-new-guest') {
    const vmid = request.newGuest?.vmid ?? (await call({ type: 'nextVmid' })).vmid;
    const target = {
      node: request.newGuest?.node ?? backup.node,
      guestType: backup.guestType,
      vmid,
    } as const;
    const steps = [
      step(`restore ${file} into ${vmid}`, {
        type: 'restore',
        ...target,
        archive: backup.volid,
        ...(request.newGuest?.storage ? { storage: request.newGuest.storage } : {}),
        // Started by its own step, after the rename and the tags.
      }),
    ];
    if (request.newGuest?.name)
      steps.push(
        step(`name ${vmid} ${request.newGuest.name}`, {
          type: 'renameGuest',
          ...target,
          name: request.newGuest.name,
        }),
      );
    if (!request.newGuest?.copyTags)
      steps.push(step(`remove the tags restored to ${vmid}`, { type: 'clearTags', ...target }));
    if (request.start) steps.push(step(`start ${vmid}`, { type: 'startGuest', ...target }));
    return { steps, planned: { newGuestId: formatGuestId({ clusterId: backup.clusterId, vmid }) } };
  }
  const guest = await originalGuest(deps, backup);
  if (!guest || guest.gone) throw new NotFoundError('guest', operation.guestId);
  const on = { node: guest.node, guestType: guest.type, vmid: guest.vmid } as const;
  const status = await call({ type: 'guestStatus', ...on });
  const wasRunning = status.status === 'running';
  const steps: OperationStep[] = [];
  const safety = request.safetyBackup !== false;
  if (safety)
    steps.push(
      step(`back up ${guest.vmid} to ${backup.storage} first`, {
        type: 'vzdump',
        node: guest.node,
        vmid: guest.vmid,
        storage: backup.storage,
        mode: 'snapshot',
        compress: 'zstd',
        notesTemplate: `safety backup before restoring ${file}`,
      }),
    );
  if (wasRunning) steps.push(step('stop the guest', { type: 'stopGuest', ...on }));
  steps.push(
    step(`restore ${file} over ${guest.vmid}`, {
      type: 'restore',
      ...on,
      guestType: backup.guestType,
      archive: backup.volid,
      force: true,
      ...((request.start ?? wasRunning) ? { start: true } : {}),
    }),
  );
  return { steps, planned: safety ? { safetyBackupStorage: backup.storage } : {} };
}

/**
 * What a restore from a backup leaves once it ended: the cluster's inventory synced by the
 * caller; here, for a restore over the guest, its safety backup recorded (origin `manual`, also
 * when a later step failed) when Proxmox lists it: the guest's newest archive on that storage
 * written since the operation started that no record knows.
 */
export async function recordSafetyBackup(
  deps: ServiceDeps,
  operation: Operation,
  guest: Guest,
): Promise<string | undefined> {
  const storage = operation.planned?.safetyBackupStorage;
  if (!storage || !operation.backupId) return undefined;
  const since = Math.floor(Date.parse(operation.startedAt ?? operation.createdAt) / 1000);
  const listed = await callProxmox(deps.proxmox, {
    tenantId: operation.tenantId,
    clusterId: guest.clusterId,
    command: { type: 'listBackups', node: guest.node, storage, vmid: guest.vmid },
  }).catch(() => []);
  const made = listed
    .filter((volume) => volume.ctime >= since && volume.notes?.includes(operation.snapshotName))
    .sort((a, b) => b.ctime - a.ctime)[0];
  if (!made) return undefined;
  const id = formatBackupId(guest.id, made.volid);
  if (await deps.store.backups.get(operation.tenantId, guest.id, id)) return id;
  const archive = parseArchiveName(made.volid);
  // Only if still new: the usage counter counts an archive once.
  await deps.store.backups.putIfNew({
    tenantId: operation.tenantId,
    id,
    guestId: guest.id,
    clusterId: guest.clusterId,
    node: guest.node,
    guestType: guest.type,
    vmid: guest.vmid,
    storage,
    volid: made.volid,
    format: made.format,
    ...(archive ? { compression: archive.compression } : {}),
    size: made.size,
    createdAt: new Date(made.ctime * 1000).toISOString(),
    ...(made.notes ? { notes: made.notes } : {}),
    status: 'created',
    origin: 'manual',
  });
  return id;
}
