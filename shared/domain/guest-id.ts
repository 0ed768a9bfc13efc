import { ID_PATTERN } from './ids.ts';

/**
 * A guest id names its cluster and its Proxmox vmid: `<clusterId>.<vmid>`, e.g.
 * `cl_01JD....100`. Proxmox vmids are 100..999999999 (pve-vmid).
 */
export interface GuestRef {
  readonly clusterId: string;
  readonly vmid: number;
}

const VMID_PATTERN = /^[1-9][0-9]{2,8}$/;

export function formatGuestId(ref: GuestRef): string {
  return `${ref.clusterId}.${ref.vmid}`;
}

export function parseGuestId(guestId: string): GuestRef | undefined {
  const dot = guestId.lastIndexOf('.');
  const clusterId = guestId.slice(0, dot);
  const vmid = guestId.slice(dot + 1);
  if (dot < 0 || !ID_PATTERN.test(clusterId) || !VMID_PATTERN.test(vmid)) return undefined;
  return { clusterId, vmid: Number(vmid) };
}

/** Cluster names are 1-100 characters (see the cluster contract). */
const CLUSTER_NAME_MAX = 100;

/**
 * How a person names a guest: the canonical id, or `<cluster name>/<vmid>` as Proxmox's own
 * UI shows it (e.g. `lab/101`). The id stays canonical in responses and storage; a name is
 * resolved against the tenant's clusters (see services/guest-reference.ts).
 */
export type GuestReference =
  | { readonly kind: 'id'; readonly clusterId: string; readonly vmid: number }
  | { readonly kind: 'name'; readonly clusterName: string; readonly vmid: number };

export function parseGuestReference(value: string): GuestReference | undefined {
  const byId = parseGuestId(value);
  if (byId) return { kind: 'id', ...byId };
  // The last slash: a cluster name may itself hold one, a vmid never does.
  const slash = value.lastIndexOf('/');
  const clusterName = value.slice(0, slash);
  const vmid = value.slice(slash + 1);
  if (slash < 0 || clusterName === '' || clusterName.length > CLUSTER_NAME_MAX || !VMID_PATTERN.test(vmid))
    return undefined;
  return { kind: 'name', clusterName, vmid: Number(vmid) };
}

export const GUEST_REFERENCE_HINT =
  'a guest id as returned by the API (<clusterId>.<vmid>) or <cluster name>/<vmid>';
