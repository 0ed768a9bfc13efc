import type { Guest } from '#shared/domain/guest.ts';
import type { BackupVolume } from '#shared/domain/proxmox/types.ts';
import { parseArchiveName } from './archive-name.ts';
import { type BackupRecord, formatBackupId } from './backup-record.ts';

/** One backup storage's content as read from one node: the archives of one guest's vmid. */
export interface StorageListing {
  readonly node: string;
  readonly storage: string;
  /** A shared storage shows the same archives from every node. */
  readonly shared: boolean;
  readonly volumes: readonly BackupVolume[];
}

export interface BackupReconcileResult {
  /** Archives on a storage that no record knows: recorded as `external` (never pruned, restorable). */
  readonly adopt: BackupRecord[];
  /** Records of archives no longer on their storage: marked `missing`, never deleted. */
  readonly missing: BackupRecord[];
  /**
   * Records whose archive is there but reads differently (notes, protection, size changed on
   * Proxmox), or that were `missing` and are back: Proxmox's word is recorded.
   */
  readonly updated: BackupRecord[];
}

type GuestRef = Pick<Guest, 'tenantId' | 'id' | 'clusterId' | 'node' | 'type' | 'vmid'>;

const covers = (listing: StorageListing, record: BackupRecord) =>
  listing.storage === record.storage && (listing.shared || listing.node === record.node);

/**
 * Compares a guest's backup records with the archives its storages list. Only what was read
 * decides: a record whose storage (on its node) was not listed is left as it is, so a storage
 * that could not be read never makes archives `missing`. Failed backups (no archive) and
 * deleted records are never touched; an archive whose record was deleted is not adopted again.
 */
export function reconcileBackups(
  guest: GuestRef,
  records: readonly BackupRecord[],
  listings: readonly StorageListing[],
  nowIso: string,
): BackupReconcileResult {
  const adopt: BackupRecord[] = [];
  const missing: BackupRecord[] = [];
  const updated: BackupRecord[] = [];
  const byVolid = new Map(
    records.flatMap((record) => (record.volid ? [[record.volid, record] as const] : [])),
  );
  for (const record of records) {
    if (!record.volid || (record.status !== 'created' && record.status !== 'missing')) continue;
    const relevant = listings.filter((listing) => covers(listing, record));
    if (relevant.length === 0) continue;
    const volume = relevant
      .flatMap((listing) => listing.volumes)
      .find((entry) => entry.volid === record.volid);
    if (!volume) {
      if (record.status === 'created') missing.push({ ...record, status: 'missing', missingSince: nowIso });
      continue;
    }
    const seen = observedAttributes(volume);
    const changed =
      record.status === 'missing' ||
      record.size !== seen.size ||
      (record.notes ?? '') !== (seen.notes ?? '') ||
      Boolean(record.protected) !== Boolean(seen.protected);
    if (!changed) continue;
    const { missingSince: _gone, notes: _notes, protected: _protected, ...rest } = record;
    updated.push({ ...rest, ...seen, status: 'created' });
  }
  const adopted = new Set<string>();
  for (const listing of listings) {
    for (const volume of listing.volumes) {
      if (volume.vmid !== guest.vmid || byVolid.has(volume.volid) || adopted.has(volume.volid)) continue;
      const archive = parseArchiveName(volume.volid);
      adopted.add(volume.volid);
      adopt.push({
        tenantId: guest.tenantId,
        id: formatBackupId(guest.id, volume.volid),
        guestId: guest.id,
        clusterId: guest.clusterId,
        node: listing.node,
        guestType: archive?.guestType ?? guest.type,
        vmid: guest.vmid,
        storage: listing.storage,
        volid: volume.volid,
        format: volume.format,
        ...(archive ? { compression: archive.compression } : {}),
        createdAt: new Date(volume.ctime * 1000).toISOString(),
        status: 'created',
        origin: 'external',
        ...observedAttributes(volume),
      });
    }
  }
  return { adopt, missing, updated };
}

function observedAttributes(volume: BackupVolume): { size: number; notes?: string; protected?: boolean } {
  return {
    size: volume.size,
    ...(volume.notes ? { notes: volume.notes } : {}),
    ...(volume.protected ? { protected: true } : {}),
  };
}
