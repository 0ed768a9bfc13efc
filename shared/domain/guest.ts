import { formatGuestId } from './guest-id.ts';

type GuestType = 'qemu' | 'lxc';

/** A VM or container as last seen in a cluster's `/cluster/resources`. */
export interface Guest {
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly vmid: number;
  readonly type: GuestType;
  readonly node: string;
  readonly name: string;
  /** `running`, `stopped`, or `unknown` while its node is offline. */
  readonly status: string;
  readonly template: boolean;
  readonly tags: readonly string[];
  readonly pool?: string;
  readonly lock?: string;
  /** Since when the current lock has been seen (a lock held far longer than any task is stuck). */
  readonly lockSince?: string;
  /** True once the guest no longer appears on the cluster; kept for its history. */
  readonly gone: boolean;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly goneAt?: string;
}

/** One guest as the cluster reports it now. */
export interface ObservedGuest {
  readonly vmid: number;
  readonly type: GuestType;
  readonly node: string;
  readonly name: string | undefined;
  readonly status: string;
  readonly template: boolean;
  readonly tags: readonly string[];
  readonly pool: string | undefined;
  readonly lock: string | undefined;
}

export interface InventoryDiff {
  /** Records to write: new guests, changed guests, and guests newly gone. */
  readonly writes: Guest[];
  readonly added: number;
  readonly updated: number;
  readonly gone: number;
  readonly unchanged: number;
}

const comparable = (guest: Guest) =>
  JSON.stringify([
    guest.type,
    guest.node,
    guest.name,
    guest.status,
    guest.template,
    guest.tags,
    guest.pool,
    guest.lock,
    guest.gone,
  ]);

/**
 * Reconciles stored guests of one cluster with what the cluster reports: new guests are added,
 * changed ones updated, and guests that disappeared are marked gone (never deleted, so their
 * snapshots and history stay attached). A guest that comes back is live again. While a node is
 * offline, its guests report `unknown` and keep their last known name.
 */
export function diffInventory(
  tenantId: string,
  clusterId: string,
  stored: readonly Guest[],
  observed: readonly ObservedGuest[],
  nowIso: string,
): InventoryDiff {
  const byVmid = new Map(stored.map((guest) => [guest.vmid, guest]));
  const seen = new Set<number>();
  const writes: Guest[] = [];
  let added = 0;
  let updated = 0;
  let gone = 0;
  let unchanged = 0;
  for (const current of observed) {
    seen.add(current.vmid);
    const previous = byVmid.get(current.vmid);
    const next: Guest = {
      id: formatGuestId({ clusterId, vmid: current.vmid }),
      tenantId,
      clusterId,
      vmid: current.vmid,
      type: current.type,
      node: current.node,
      name: current.name ?? previous?.name ?? `${current.type}-${current.vmid}`,
      status: current.status,
      template: current.template,
      tags: [...current.tags].sort(),
      ...(current.pool ? { pool: current.pool } : {}),
      ...(current.lock
        ? {
            lock: current.lock,
            lockSince: previous?.lock === current.lock ? (previous.lockSince ?? nowIso) : nowIso,
          }
        : {}),
      gone: false,
      firstSeenAt: previous?.firstSeenAt ?? nowIso,
      lastSeenAt: nowIso,
    };
    if (!previous) {
      added++;
      writes.push(next);
    } else if (comparable(previous) !== comparable(next)) {
      updated++;
      writes.push(next);
    } else {
      unchanged++;
    }
  }
  for (const previous of stored) {
    if (seen.has(previous.vmid) || previous.gone) continue;
    gone++;
    writes.push({ ...previous, gone: true, goneAt: nowIso });
  }
  return { writes, added, updated, gone, unchanged };
}
