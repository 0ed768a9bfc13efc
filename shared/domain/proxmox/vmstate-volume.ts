/**
 * A RAM snapshot's state volume as Proxmox lists it in a storage's content: qemu-server allocates
 * it as `vm-<vmid>-state-<snapname>` (with `.raw` on a file-based storage, in the VM's `<vmid>/`
 * folder), so its volid is `<storage>:vm-101-state-snap1` or `<storage>:101/vm-101-state-snap1.raw`.
 * The snapshot list has no size; the content listing does.
 */
export interface VmstateVolume {
  readonly volid: string;
  readonly vmid: number;
  readonly snapname: string;
  readonly size: number;
}

const STATE_VOLUME = /^[^:]+:(?:(\d+)\/)?vm-(\d+)-state-([A-Za-z][A-Za-z0-9_-]*?)(?:\.raw)?$/;

/** The VM and snapshot a volume holds the RAM state of, or undefined for any other volume. */
function parseVmstateVolid(volid: string): { vmid: number; snapname: string } | undefined {
  const match = STATE_VOLUME.exec(volid);
  if (!match) return undefined;
  const [, folder, vmid, snapname] = match;
  // A file-based storage keeps it in the owner's folder: a different folder is no state of this VM.
  if (folder !== undefined && folder !== vmid) return undefined;
  return { vmid: Number(vmid), snapname: snapname as string };
}

/** The state volumes among a storage's listed volumes (its `images` content). */
export function vmstateVolumes(
  listed: ReadonlyArray<{ readonly volid: string; readonly size?: number | undefined }>,
): VmstateVolume[] {
  return listed.flatMap((volume) => {
    const parsed = parseVmstateVolid(volume.volid);
    return parsed ? [{ volid: volume.volid, size: volume.size ?? 0, ...parsed }] : [];
  });
}
