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
