import type { SnapshotRecord } from './snapshot-record.ts';

/** A snapshot as Proxmox lists it for a guest (the `current` pseudo entry left out). */
export interface ListedSnapshot {
  readonly name: string;
  readonly snaptime: number;
  readonly vmstate: boolean;
  readonly description: string;
  readonly parent: string | undefined;
  readonly snapstate: string | undefined;
}

/**
 * Who made a snapshot: a policy's run, a person through the API (manual and safety
 * snapshots), or someone outside the service (in Proxmox itself).
 */
export const SNAPSHOT_ORIGINS = ['policy', 'manual', 'external'] as const;
type SnapshotOrigin = (typeof SNAPSHOT_ORIGINS)[number];

/** One entry of a guest's snapshot list: the record's fields where there is one. */
export type GuestSnapshot = Omit<SnapshotRecord, 'tenantId'> & {
  readonly origin: SnapshotOrigin;
  /**
   * On Proxmox now (false: a record whose snapshot failed, vanished or was deleted); absent
   * when Proxmox could not be read.
   */
  readonly onProxmox?: boolean;
  readonly parent?: string;
  /** Proxmox's `snapstate` while the snapshot is being taken or deleted. */
  readonly snapstate?: string;
};

const originOf = (record: SnapshotRecord): SnapshotOrigin =>
  record.policyId ? 'policy' : record.manual ? 'manual' : 'external';

/**
 * Every snapshot of a guest, from its records and what Proxmox lists now (undefined when
 * Proxmox could not be read: then the records alone), newest first (by time, then name).
 * A snapshot on Proxmox without a record is `external`; a record whose snapshot is gone keeps
 * its status.
 */
export function mergeGuestSnapshots(
  guestId: string,
  records: readonly SnapshotRecord[],
  listed: readonly ListedSnapshot[] | undefined,
): GuestSnapshot[] {
  const onProxmox = new Map((listed ?? []).map((entry) => [entry.name, entry]));
  const merged: GuestSnapshot[] = records.map(({ tenantId: _tenantId, ...record }) => {
    const entry = onProxmox.get(record.name);
    return {
      ...record,
      origin: originOf(record as SnapshotRecord),
      ...(listed ? { onProxmox: entry !== undefined } : {}),
      ...(entry?.parent ? { parent: entry.parent } : {}),
      ...(entry?.snapstate ? { snapstate: entry.snapstate } : {}),
    };
  });
  const recorded = new Set(records.map((record) => record.name));
  for (const entry of listed ?? []) {
    if (recorded.has(entry.name)) continue;
    merged.push({
      guestId,
      name: entry.name,
      status: 'created',
      origin: 'external',
      onProxmox: true,
      vmstate: entry.vmstate,
      createdAt: new Date(entry.snaptime * 1000).toISOString(),
      ...(entry.description ? { description: entry.description } : {}),
      ...(entry.parent ? { parent: entry.parent } : {}),
      ...(entry.snapstate ? { snapstate: entry.snapstate } : {}),
    });
  }
  return merged.sort(newestFirst);
}

/** The order of a guest's snapshot list: newest first, ties by name. */
export function newestFirst(
  a: Pick<GuestSnapshot, 'createdAt' | 'name'>,
  b: Pick<GuestSnapshot, 'createdAt' | 'name'>,
): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
