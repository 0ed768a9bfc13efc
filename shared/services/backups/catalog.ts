import type { Page } from '#shared/adapters/dynamo/table-access.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { type BackupRecord, type BackupStatus, parseBackupId } from '#shared/domain/backup/backup-record.ts';
import { ConflictError, NotFoundError } from '#shared/domain/errors.ts';
import { ProxmoxError, ProxmoxNotFoundError } from '#shared/domain/proxmox-errors.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { guestFilter, requireGuest } from '../guest-reference.ts';
import { DELETED_RECORD_DAYS } from '../retention/record-prune.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** Seconds Proxmox is asked to wait for a deletion, so its answer (or refusal) comes back at once. */
const DELETE_WAIT_SECONDS = 10;

export interface CatalogQuery {
  readonly guest?: string;
  readonly policy?: string;
  readonly storage?: string;
  readonly status?: BackupStatus;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * The tenant's catalog, newest first, one page at a time. A guest filter names the guest by id
 * or `<cluster>/<vmid>`; one the inventory does not know has no backups.
 */
export async function listBackups(
  deps: ServiceDeps,
  context: AuditContext,
  query: CatalogQuery,
): Promise<Page<BackupRecord>> {
  const tenantId = context.principal.tenantId;
  const guest = query.guest === undefined ? undefined : await guestFilter(deps, tenantId, query.guest);
  if (guest && 'unknown' in guest) return { items: [] };
  if (guest) return await guestPage(deps, tenantId, guest.guestId, query);
  return await deps.store.backups.list(tenantId, {
    limit: query.limit,
    ...(query.policy ? { policyId: query.policy } : {}),
    ...(query.storage ? { storage: query.storage } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
}

/**
 * One guest's page, read from the guest's own partition (bounded: retention keeps it so) rather
 * than filtered out of the tenant's whole catalog: newest first, cut after the cursor's position
 * (time and id, signed and bound to the tenant, guest and filters).
 */
async function guestPage(
  deps: ServiceDeps,
  tenantId: string,
  guestId: string,
  query: CatalogQuery,
): Promise<Page<BackupRecord>> {
  const scope = `guest-backups:${tenantId}:${guestId}:${JSON.stringify(query, ['policy', 'storage', 'status', 'from', 'to'])}`;
  const after = query.cursor ? deps.store.table.cursors.decode(scope, query.cursor) : undefined;
  const position = (record: BackupRecord) => `${record.createdAt}#${record.id}`;
  const matching = (await deps.store.backups.listForGuest(tenantId, guestId))
    .filter(
      (record) =>
        (query.policy === undefined || record.policyId === query.policy) &&
        (query.storage === undefined || record.storage === query.storage) &&
        (query.status === undefined || record.status === query.status) &&
        (query.from === undefined || record.createdAt >= query.from) &&
        (query.to === undefined || record.createdAt <= query.to) &&
        (after === undefined || position(record) < String(after.p)),
    )
    .sort((a, b) => (position(a) < position(b) ? 1 : -1));
  const items = matching.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items,
    ...(matching.length > query.limit && last
      ? { nextCursor: deps.store.table.cursors.encode(scope, { p: position(last) }) }
      : {}),
  };
}

/** One guest's backups (404 for an unknown guest), newest first. */
export async function listGuestBackups(
  deps: ServiceDeps,
  context: AuditContext,
  reference: string,
  page: { limit: number; cursor?: string },
): Promise<Page<BackupRecord>> {
  const tenantId = context.principal.tenantId;
  const guest = await requireGuest(deps, tenantId, reference);
  // Resolved once: straight to the guest's own page, not through the catalog's guest filter again.
  return await guestPage(deps, tenantId, guest.id, { ...page, guest: guest.id });
}

/** A backup by its id; another tenant's id, or a malformed one, is not found. */
export async function getBackup(deps: ServiceDeps, context: AuditContext, id: string): Promise<BackupRecord> {
  const parsed = parseBackupId(id);
  const record = parsed
    ? await deps.store.backups.get(context.principal.tenantId, parsed.guestId, id)
    : undefined;
  if (!record) throw new NotFoundError('backup', id);
  return record;
}

/** The archive of a backup that can still be acted on: recorded as `created`, with its volume. */
function liveArchive(record: BackupRecord): BackupRecord & { volid: string } {
  if (record.status !== 'created' || !record.volid)
    throw new ConflictError(
      record.status === 'failed'
        ? 'the backup failed: there is no archive'
        : `the archive is ${record.status}: it is no longer on storage '${record.storage}'`,
    );
  return { ...record, volid: record.volid };
}

/**
 * Changes a backup's notes and protection: written to Proxmox first (the storage content API,
 * so the archive's `.notes` and `.protected` files say the same), then recorded and audited.
 */
export async function updateBackup(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
  patch: { notes?: string; protected?: boolean },
): Promise<BackupRecord> {
  await authorize(deps, context, 'operate', {
    action: 'backup.update',
    resourceType: 'backup',
    resourceId: id,
  });
  const before = await getBackup(deps, context, id);
  const archive = liveArchive(before);
  await callProxmox(deps.proxmox, {
    tenantId: archive.tenantId,
    clusterId: archive.clusterId,
    command: {
      type: 'updateVolume',
      node: archive.node,
      storage: archive.storage,
      volid: archive.volid,
      ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
      ...(patch.protected !== undefined ? { protected: patch.protected } : {}),
    },
  });
  const { notes: _notes, protected: _protected, ...rest } = before;
  const notes = patch.notes ?? before.notes;
  const pinned = patch.protected ?? before.protected;
  const after: BackupRecord = {
    ...rest,
    ...(notes ? { notes } : {}),
    ...(pinned ? { protected: true } : {}),
  };
  await deps.store.backups.put(after);
  await deps.store.audit.record(
    auditEvent(deps, context, {
      action: 'backup.update',
      resourceType: 'backup',
      resourceId: id,
      before: auditSummary(before),
      after: auditSummary(after),
    }),
  );
  return after;
}

/**
 * Deletes a backup's archive on Proxmox and records it as `deleted` (by whom, when). Proxmox
 * decides: a protected archive is refused with its own text (409), and the record stays as it
 * was. An archive Proxmox no longer has is recorded as deleted all the same.
 */
export async function deleteBackup(
  deps: ServiceDeps,
  context: AuditContext,
  id: string,
): Promise<BackupRecord> {
  const facts = { action: 'backup.delete', resourceType: 'backup', resourceId: id } as const;
  await authorize(deps, context, 'operate', facts);
  const before = await getBackup(deps, context, id);
  if (before.status === 'deleted') return before;
  if (!before.volid) throw new ConflictError('the backup failed: there is no archive to delete');
  try {
    const { upid } = await callProxmox(deps.proxmox, {
      tenantId: before.tenantId,
      clusterId: before.clusterId,
      command: {
        type: 'deleteVolume',
        node: before.node,
        storage: before.storage,
        volid: before.volid,
        delay: DELETE_WAIT_SECONDS,
      },
    });
    if (upid !== null)
      throw new ConflictError(`Proxmox is still deleting the archive (task ${upid}); look again shortly`);
  } catch (error) {
    if (!(error instanceof ProxmoxNotFoundError)) {
      const refusal =
        error instanceof ProxmoxError && /protected/i.test(error.proxmoxText)
          ? new ConflictError(error.proxmoxText)
          : error;
      await deps.store.audit.record(
        auditEvent(deps, context, { ...facts, outcome: 'failure', reason: (refusal as Error).message }),
      );
      throw refusal;
    }
  }
  const nowIso = new Date(deps.now()).toISOString();
  const after: BackupRecord = {
    ...before,
    status: 'deleted',
    deletedAt: nowIso,
    deletedBy: context.principal.subject,
    deleteReason: 'operator',
  };
  // Record, audit and TTL at once; an operator who deleted it meanwhile already wrote both.
  const event = auditEvent(deps, context, {
    ...facts,
    before: auditSummary(before),
    after: auditSummary(after),
  });
  const ttl = Math.floor(deps.now() / 1000) + DELETED_RECORD_DAYS * 86_400;
  const recorded = await deps.store.backups.markDeleted(after, deps.store.audit.entry(event), ttl, before);
  return recorded ? after : await getBackup(deps, context, id);
}
