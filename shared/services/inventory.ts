import { registerTenant } from '#shared/adapters/dynamo/tenant-registry.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import { diffInventory, type Guest } from '#shared/domain/guest.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { reconcileGuestBackups } from './backups/reconcile-backups.ts';
import { getCluster } from './clusters.ts';
import type { ServiceDeps } from './service-deps.ts';
import { syncClusterStorages } from './storage/storage-inventory.ts';
import { reportUnprotectedGuests } from './unprotected-guests.ts';

export interface SyncResult {
  readonly clusterId: string;
  readonly total: number;
  readonly added: number;
  readonly updated: number;
  readonly gone: number;
  readonly unchanged: number;
  readonly syncedAt: string;
}

/**
 * Syncs a cluster's guests from `/cluster/resources`:
 * 1. read what the cluster reports and what is stored,
 * 2. compute the difference (new, changed, gone),
 * 3. write only the changed records, register the tenant for the daily sweep, and audit the
 *    sync with its counts (or its failure);
 * 4. with `backups` (an operator's sync, the demo cluster's first one), bring the live guests'
 *    backup records in line with their storages: archives made elsewhere listed as `external`,
 *    vanished ones `missing` (policy runs and restores sync without it: the daily sweep does it).
 */
export async function syncClusterInventory(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  options: { backups?: boolean } = {},
): Promise<SyncResult> {
  return (await syncClusterGuests(deps, context, clusterId, options)).result;
}

/**
 * {@link syncClusterInventory}, and the cluster's guests as stored after it (gone ones
 * included): a run selects its targets from them without reading them again.
 */
export async function syncClusterGuests(
  deps: ServiceDeps,
  context: AuditContext,
  clusterId: string,
  options: { backups?: boolean } = {},
): Promise<{ result: SyncResult; guests: Guest[] }> {
  await authorize(deps, context, 'operate', {
    action: 'cluster.sync',
    resourceType: 'cluster',
    resourceId: clusterId,
  });
  const cluster = await getCluster(deps, context, clusterId);
  const syncedAt = new Date(deps.now()).toISOString();
  try {
    const [observed, stored] = await Promise.all([
      callProxmox(deps.proxmox, {
        tenantId: cluster.tenantId,
        clusterId: cluster.id,
        command: { type: 'listGuests' },
      }),
      deps.store.guests.allOfCluster(cluster.tenantId, cluster.id),
    ]);
    const diff = diffInventory(cluster.tenantId, cluster.id, stored, observed, syncedAt);
    // Before the write: a sync retried after a failed write still finds the guests new, and the
    // events' ids (from the guest) make a second publication the same event.
    const known = new Set(stored.map((guest) => guest.id));
    await reportUnprotectedGuests(
      deps,
      cluster.tenantId,
      diff.writes.filter((guest) => !known.has(guest.id)),
    );
    await deps.store.guests.putMany(diff.writes);
    // The daily sweep finds the tenant through the registry (no Scan of the table).
    await registerTenant(deps.store.table, cluster.tenantId);
    await syncClusterStorages(deps, cluster, syncedAt);
    const result: SyncResult = {
      clusterId,
      total: observed.length,
      added: diff.added,
      updated: diff.updated,
      gone: diff.gone,
      unchanged: diff.unchanged,
      syncedAt,
    };
    await deps.store.audit.record(
      auditEvent(deps, context, {
        action: 'cluster.sync',
        resourceType: 'cluster',
        resourceId: clusterId,
        after: { ...result },
      }),
    );
    // The cluster's guests as stored now: what was, with what this sync wrote over it.
    const guests = new Map(stored.map((guest) => [guest.id, guest]));
    for (const written of diff.writes) guests.set(written.id, written);
    if (options.backups) {
      // Reads each guest as just written: gone ones are left out there.
      await reconcileGuestBackups(deps, { tenantId: cluster.tenantId, guestIds: [...guests.keys()] });
    }
    return { result, guests: [...guests.values()] };
  } catch (error) {
    await deps.store.audit.record(
      auditEvent(deps, context, {
        action: 'cluster.sync',
        resourceType: 'cluster',
        resourceId: clusterId,
        outcome: 'failure',
        reason: (error as Error).message,
      }),
    );
    throw error;
  }
}
