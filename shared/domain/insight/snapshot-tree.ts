import type { ListedSnapshot } from '#shared/domain/guest-snapshots.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

/**
 * `policy`: taken by a policy's run (a record with its policy); `manual`: taken through the
 * service by hand (manual and safety snapshots); `external`: on Proxmox with no record (made in
 * Proxmox itself, or by another tool).
 */
export const TREE_ORIGINS = ['policy', 'manual', 'external'] as const;
type TreeOrigin = (typeof TREE_ORIGINS)[number];

interface SnapshotTreeNode {
  readonly name: string;
  readonly parent?: string;
  readonly createdAt: string;
  readonly description?: string;
  readonly vmstate: boolean;
  readonly origin: TreeOrigin;
  readonly policyId?: string;
  /** Pinned in the service: retention never prunes it. */
  readonly protected: boolean;
  /** Proxmox's `snapstate` while it is being taken or deleted. */
  readonly snapstate?: string;
  /** The snapshots made on top of this one, oldest first. */
  readonly children: readonly string[];
  /** The guest's running state descends from this snapshot (Proxmox's `current` parent). */
  readonly current: boolean;
  /** Snapshots after it on its branch: a rollback to it leaves them, as Proxmox keeps every branch. */
  readonly descendants: number;
}

export interface SnapshotTree {
  /** Snapshots without a parent, oldest first. */
  readonly roots: readonly string[];
  /** Every snapshot by name, oldest first. */
  readonly snapshots: readonly SnapshotTreeNode[];
  /** Where the guest's state stands: the snapshot it descends from (absent: none, the state is a root). */
  readonly current: { readonly parent?: string };
}

const byTimeThenName = (a: ListedSnapshot, b: ListedSnapshot) =>
  a.snaptime - b.snaptime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Proxmox's snapshot tree of a guest, as its `parent` links draw it, each snapshot marked with
 * who made it (from the service's records). A parent Proxmox names but no longer lists is
 * treated as absent (the child becomes a root), as Proxmox's own tree view does.
 */
export function buildSnapshotTree(
  listed: readonly ListedSnapshot[],
  records: readonly SnapshotRecord[],
  currentParent: string | undefined,
): SnapshotTree {
  const sorted = [...listed].sort(byTimeThenName);
  const names = new Set(sorted.map((entry) => entry.name));
  const record = new Map(records.map((entry) => [entry.name, entry]));
  const parentOf = (entry: ListedSnapshot) =>
    entry.parent !== undefined && names.has(entry.parent) && entry.parent !== entry.name
      ? entry.parent
      : undefined;
  const children = new Map<string, string[]>();
  for (const entry of sorted) {
    const parent = parentOf(entry);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), entry.name]);
  }
  const descendants = new Map<string, number>();
  const countBelow = (name: string, seen: Set<string>): number => {
    const known = descendants.get(name);
    if (known !== undefined) return known;
    // A cycle cannot come from Proxmox, but a corrupt config must not hang the request.
    if (seen.has(name)) return 0;
    seen.add(name);
    const total = (children.get(name) ?? []).reduce((sum, child) => sum + 1 + countBelow(child, seen), 0);
    descendants.set(name, total);
    return total;
  };
  const current = currentParent !== undefined && names.has(currentParent) ? currentParent : undefined;
  const snapshots = sorted.map((entry): SnapshotTreeNode => {
    const own = record.get(entry.name);
    const parent = parentOf(entry);
    const origin: TreeOrigin = own?.policyId ? 'policy' : own?.manual ? 'manual' : 'external';
    return {
      name: entry.name,
      ...(parent !== undefined ? { parent } : {}),
      createdAt: new Date(entry.snaptime * 1000).toISOString(),
      ...(entry.description ? { description: entry.description } : {}),
      vmstate: entry.vmstate,
      origin,
      ...(own?.policyId ? { policyId: own.policyId } : {}),
      protected: own?.protected === true,
      ...(entry.snapstate ? { snapstate: entry.snapstate } : {}),
      children: children.get(entry.name) ?? [],
      current: entry.name === current,
      descendants: countBelow(entry.name, new Set()),
    };
  });
  return {
    roots: snapshots.filter((node) => node.parent === undefined).map((node) => node.name),
    snapshots,
    current: current !== undefined ? { parent: current } : {},
  };
}
