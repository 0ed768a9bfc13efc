import type { GuestType } from '#shared/domain/guest.ts';

/** How vzdump compresses an archive (`0`: not at all), as its `compress` option names it. */
export const BACKUP_COMPRESSIONS = ['0', 'gzip', 'lzo', 'zstd'] as const;
export type BackupCompression = (typeof BACKUP_COMPRESSIONS)[number];

/** The archive format vzdump writes per guest type: VMA for QEMU, tar for LXC. */
type ArchiveFormat = 'vma' | 'tar';

/** What an archive's file name says about it (PVE::Storage's archive_info on vzdump names). */
export interface ArchiveName {
  readonly guestType: GuestType;
  readonly vmid: number;
  /** `YYYY_MM_DD-HH_MM_SS` as written in the name: the node's local time when the backup started. */
  readonly stamp: string;
  readonly format: ArchiveFormat;
  readonly compression: BackupCompression;
}

const EXTENSION: Record<BackupCompression, string> = { '0': '', gzip: '.gz', lzo: '.lzo', zstd: '.zst' };
const COMPRESSION_OF: Record<string, BackupCompression> = {
  '': '0',
  '.gz': 'gzip',
  '.lzo': 'lzo',
  '.zst': 'zstd',
};

// vzdump-{qemu|lxc}-{vmid}-{YYYY_MM_DD-HH_MM_SS}.{vma|tar}[.gz|.lzo|.zst]; the old `openvz` and
// `.tgz` spellings are not written by any supported release.
const ARCHIVE =
  /^vzdump-(qemu|lxc)-([1-9][0-9]{2,8})-(\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2})\.(vma|tar)(\.gz|\.lzo|\.zst)?$/;

/** The file name vzdump gives an archive. */
export function formatArchiveName(archive: ArchiveName): string {
  const kind = archive.guestType === 'qemu' ? 'qemu' : 'lxc';
  return `vzdump-${kind}-${archive.vmid}-${archive.stamp}.${archive.format}${EXTENSION[archive.compression]}`;
}

/**
 * Reads a vzdump archive's file name or volume id (`storage:backup/<file>`); undefined for
 * anything else (logs, notes, Proxmox Backup Server snapshots, other tools' files).
 */
export function parseArchiveName(nameOrVolid: string): ArchiveName | undefined {
  const file = nameOrVolid.slice(nameOrVolid.lastIndexOf('/') + 1);
  const match = ARCHIVE.exec(file);
  if (!match) return undefined;
  const [, kind, vmid, stamp, format, extension = ''] = match;
  const guestType: GuestType = kind === 'qemu' ? 'qemu' : 'lxc';
  const expectedFormat: ArchiveFormat = guestType === 'qemu' ? 'vma' : 'tar';
  if (format !== expectedFormat) return undefined;
  const compression = COMPRESSION_OF[extension];
  if (compression === undefined || stamp === undefined) return undefined;
  return { guestType, vmid: Number(vmid), stamp, format: expectedFormat, compression };
}

/** The archive's file name stamp for a time, in the node's local time as vzdump writes it. */
export function archiveStamp(parts: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${parts.year}_${two(parts.month)}_${two(parts.day)}-${two(parts.hour)}_${two(parts.minute)}_${two(parts.second)}`;
}
