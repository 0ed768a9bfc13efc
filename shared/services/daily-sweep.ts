import { listRegisteredTenants } from '#shared/adapters/dynamo/tenant-registry.ts';
import type { Guest } from '#shared/domain/guest.ts';
import type { LaneRef } from '#shared/domain/lane.ts';
import type { SweepQueue, SweepUnit } from '#shared/ports/sweep-queue.ts';
import { type BackupReconcileSummary, reconcileGuestBackups } from './backups/reconcile-backups.ts';
import { reconcileUsageCounter } from './plans/tenant-usage.ts';
import { type ReconcileLimits, type ReconcileSummary, reconcileGuests } from './reconcile-guests.ts';
import { removeLeftovers } from './restore-tests/leftovers.ts';
import { type PruneSweepSummary, pruneSweep } from './retention/prune-sweep.ts';
import type { ServiceDeps } from './service-deps.ts';

/**
 * Guests per unit of the sweep. With eight Proxmox reads at a time, one unreachable node costing
 * one call and a deadline guard, a unit ends well inside the worker's timeout.
 */
export const SWEEP_CHUNK_GUESTS = 200;
/** Tenants read from the registry per query page. */
const TENANT_PAGE = 500;

/**
 * Starts the daily sweep: lists the registered tenants one page at a time (a Query on the
 * registry, never a Scan) and enqueues one unit per tenant. Cost grows with the tenants only.
 */
export async function planDailySweep(deps: ServiceDeps, queue: SweepQueue): Promise<{ tenants: number }> {
  return await forEachTenantPage(deps, (tenantIds) =>
    queue.enqueue(tenantIds.map((tenantId) => ({ kind: 'tenant', tenantId }))),
  );
}

/** Hands every registered tenant to `onPage`, one registry page at a time (a Query, never a Scan). */
export async function forEachTenantPage(
  deps: ServiceDeps,
  onPage: (tenantIds: string[]) => Promise<void>,
): Promise<{ tenants: number }> {
  let tenants = 0;
  let startAfter: string | undefined;
  do {
    const page = await listRegisteredTenants(deps.store.table, {
      limit: TENANT_PAGE,
      ...(startAfter ? { startAfter } : {}),
    });
    await onPage(page.tenantIds);
    tenants += page.tenantIds.length;
    startAfter = page.startAfter;
  } while (startAfter);
  return { tenants };
}

export interface SweepUnitResult {
  readonly tenantId: string;
  /** Units this one enqueued (a tenant's chunks, or a chunk's deferred rest). */
  readonly enqueued: number;
  readonly reconciled?: Omit<ReconcileSummary, 'deferred'> & { readonly deferred: number };
  readonly pruned?: PruneSweepSummary;
  readonly backups?: BackupReconcileSummary;
}

export interface SweepUnitPorts {
  readonly queue: SweepQueue;
  readonly startPruneLane: (name: string, lane: LaneRef) => Promise<void>;
  /** The worker's time left; guests that would not fit are enqueued again as a new chunk. */
  readonly limits?: ReconcileLimits;
}

/**
 * Works one unit of the daily sweep.
 * 1. A tenant: read its live guests (a Query within the tenant), enqueue them in chunks of
 *    {@link SWEEP_CHUNK_GUESTS}.
 * 2. A chunk: reconcile its guests' records against Proxmox (so retention decides on what really
 *    exists), enqueue what the deadline left over, reconcile the rest's backup records with
 *    their storages, then start prune-only lanes for them.
 */
export async function sweepUnit(
  deps: ServiceDeps,
  unit: SweepUnit,
  ports: SweepUnitPorts,
): Promise<SweepUnitResult> {
  if (unit.kind === 'tenant') {
    // Restore tests' leftover guests (a crash, a failed teardown) go first; a failure waits for tomorrow.
    await removeLeftovers(deps, unit.tenantId).catch(() => undefined);
    // The usage counter the byte quotas read, set again from the catalog.
    await reconcileUsageCounter(deps, unit.tenantId);
    const guestIds = await liveGuestIds(deps, unit.tenantId);
    const chunks: SweepUnit[] = [];
    for (let start = 0; start < guestIds.length; start += SWEEP_CHUNK_GUESTS) {
      chunks.push({
        kind: 'guests',
        tenantId: unit.tenantId,
        chunk: String(chunks.length),
        guestIds: guestIds.slice(start, start + SWEEP_CHUNK_GUESTS),
      });
    }
    await ports.queue.enqueue(chunks);
    return { tenantId: unit.tenantId, enqueued: chunks.length };
  }
  const reconciled = await reconcileGuests(
    deps,
    { tenantId: unit.tenantId, guestIds: [...unit.guestIds] },
    ports.limits,
  );
  const deferred = new Set(reconciled.deferred);
  if (deferred.size > 0) {
    await ports.queue.enqueue([
      { kind: 'guests', tenantId: unit.tenantId, chunk: `${unit.chunk}.rest`, guestIds: [...deferred] },
    ]);
  }
  // The chunk's backup storages, listed once per node: external archives adopted, vanished ones missing.
  const backups = await reconcileGuestBackups(deps, {
    tenantId: unit.tenantId,
    guestIds: unit.guestIds.filter((id) => !deferred.has(id)),
  });
  const pruned = await pruneSweep(
    deps,
    {
      tenantId: unit.tenantId,
      guestIds: unit.guestIds.filter((id) => !deferred.has(id)),
      unitKey: unit.chunk,
    },
    ports.startPruneLane,
  );
  return {
    tenantId: unit.tenantId,
    enqueued: deferred.size > 0 ? 1 : 0,
    reconciled: { ...reconciled, deferred: deferred.size },
    pruned,
    backups,
  };
}

async function liveGuestIds(deps: ServiceDeps, tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.guests.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((guest: Guest) => guest.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
