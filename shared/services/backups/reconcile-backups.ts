import { reconcileBackups, type StorageListing } from '#shared/domain/backup/reconcile-backups.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { mapWithLimit, READS_IN_FLIGHT } from '../map-with-limit.ts';
import type { ServiceDeps } from '../service-deps.ts';

export interface BackupReconcileSummary {
  readonly guests: number;
  /** Archives found that the service did not make, now listed as `external`. */
  readonly adopted: number;
  readonly missing: number;
  readonly updated: number;
  /** Storages (per node) that could not be listed; their archives were left as recorded. */
  readonly unreadable: number;
}

/**
 * Brings some guests' backup records in line with their backup storages:
 * 1. the guests (live ones) grouped by cluster and node, plus the nodes their recorded archives
 *    live on;
 * 2. per node, its backup storages, and per storage its archives: one listing for all the
 *    guests of the node (a shared storage is read once per cluster), never per guest;
 * 3. per guest, the pure comparison: archives no record knows are recorded as `external`
 *    (only if still unrecorded: a run's record wins), records whose archive vanished become
 *    `missing` (only while still `created`), changed notes, protection or size are recorded.
 * A storage or node that cannot be read changes nothing it would have decided.
 */
export async function reconcileGuestBackups(
  deps: ServiceDeps,
  input: { tenantId: string; guestIds: readonly string[] },
): Promise<BackupReconcileSummary> {
  const guests = (
    await mapWithLimit([...new Set(input.guestIds)], READS_IN_FLIGHT, async (guestId) => {
      const ref = parseGuestId(guestId);
      return ref ? await deps.store.guests.get(input.tenantId, ref.clusterId, ref.vmid) : undefined;
    })
  ).filter((guest): guest is Guest => guest !== undefined && !guest.gone);
  const records = new Map(
    await mapWithLimit(
      guests,
      READS_IN_FLIGHT,
      async (guest) => [guest.id, await deps.store.backups.listForGuest(input.tenantId, guest.id)] as const,
    ),
  );
  const nodesOf = new Map<string, Set<string>>();
  for (const guest of guests) {
    const nodes = nodesOf.get(guest.clusterId) ?? new Set<string>();
    nodes.add(guest.node);
    for (const record of records.get(guest.id) ?? []) if (record.volid) nodes.add(record.node);
    nodesOf.set(guest.clusterId, nodes);
  }
  let unreadable = 0;
  const listingsOf = new Map<string, StorageListing[]>();
  for (const [clusterId, nodes] of nodesOf) {
    const call = <C extends ConnectorCommand>(command: C) =>
      callProxmox(deps.proxmox, { tenantId: input.tenantId, clusterId, command });
    const listings: StorageListing[] = [];
    const sharedRead = new Set<string>();
    for (const node of nodes) {
      const storages = await call({ type: 'listStorages', node, content: 'backup' }).catch(() => undefined);
      if (!storages) {
        unreadable++;
        continue;
      }
      for (const storage of storages) {
        const shared = storage.shared === 1;
        if (shared && sharedRead.has(storage.storage)) continue;
        const volumes = await call({ type: 'listBackups', node, storage: storage.storage }).catch(
          () => undefined,
        );
        if (!volumes) {
          unreadable++;
          continue;
        }
        if (shared) sharedRead.add(storage.storage);
        listings.push({ node, storage: storage.storage, shared, volumes });
      }
    }
    listingsOf.set(clusterId, listings);
  }
  const nowIso = new Date(deps.now()).toISOString();
  let adopted = 0;
  let missing = 0;
  let updated = 0;
  for (const guest of guests) {
    const own = records.get(guest.id) ?? [];
    const recordedOn = new Set(own.map((record) => record.node));
    // A guest's archives are on the storages it reaches: shared ones, its node's, and those of
    // the nodes its recorded archives were written on (before a migration). Other guests'
    // volumes in a listing are skipped by reconcileBackups (it matches vmids and volids).
    const visible = (listingsOf.get(guest.clusterId) ?? []).filter(
      (listing) => listing.shared || listing.node === guest.node || recordedOn.has(listing.node),
    );
    const result = reconcileBackups(guest, own, visible, nowIso);
    for (const record of result.adopt) if (await deps.store.backups.putIfNew(record)) adopted++;
    for (const record of result.missing)
      if (await deps.store.backups.putIfStatus(record, 'created')) missing++;
    const statusOf = new Map(own.map((record) => [record.id, record.status]));
    for (const record of result.updated) {
      if (await deps.store.backups.putIfStatus(record, statusOf.get(record.id) ?? 'created')) updated++;
    }
  }
  return { guests: guests.length, adopted, missing, updated, unreadable };
}
