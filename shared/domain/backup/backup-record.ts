import type { GuestType } from '#shared/domain/guest.ts';
import type { BackupCompression } from './archive-name.ts';

/**
 * `created`: the archive exists (as last seen); `failed`: the vzdump task failed (no archive);
 * `missing`: reconciliation no longer finds it on its storage; `deleted`: removed by retention
 * or an operator (the record stays, with who and why, until its TTL).
 */
export const BACKUP_STATUSES = ['created', 'failed', 'missing', 'deleted'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/**
 * `policy`: written by a backup policy's run; `manual`: a backup taken on request;
 * `external`: found on a storage, made by someone else (never pruned, restorable).
 */
export const BACKUP_ORIGINS = ['policy', 'manual', 'external'] as const;
type BackupOrigin = (typeof BACKUP_ORIGINS)[number];

export const BACKUP_DELETE_REASONS = ['pruned', 'max-age', 'operator'] as const;
type BackupDeleteReason = (typeof BACKUP_DELETE_REASONS)[number];

/** One vzdump archive of one guest, as the catalog knows it. */
export interface BackupRecord {
  readonly tenantId: string;
  /** See {@link formatBackupId}: names the guest and the volume, so a lookup needs no index. */
  readonly id: string;
  readonly guestId: string;
  readonly clusterId: string;
  readonly node: string;
  readonly guestType: GuestType;
  readonly vmid: number;
  readonly storage: string;
  /** Proxmox's volume id, `storage:backup/vzdump-...`; absent for a failed backup (no archive). */
  readonly volid?: string;
  readonly format?: string;
  readonly compression?: BackupCompression;
  readonly size?: number;
  /** When the archive was written (ISO; the storage content's ctime). */
  readonly createdAt: string;
  readonly notes?: string;
  readonly protected?: boolean;
  readonly status: BackupStatus;
  readonly origin: BackupOrigin;
  readonly policyId?: string;
  readonly runId?: string;
  /** The tick the backup belongs to (ISO). */
  readonly scheduledTime?: string;
  readonly upid?: string;
  /** Proxmox's failure text, and the last lines of the task log, for a failed backup. */
  readonly error?: string;
  readonly logTail?: readonly string[];
  readonly missingSince?: string;
  readonly deletedAt?: string;
  readonly deletedBy?: string;
  readonly deleteReason?: BackupDeleteReason;
  /** The last failed deletion by retention; tried again by the next run or sweep. */
  readonly pruneError?: string;
  readonly pruneAttempts?: number;
}

const PREFIX = 'bk_';

/**
 * A backup's public id: the guest and the archive's volume id (or, for a failed backup with no
 * archive, the run), base64url-encoded. Deterministic, so a retried recording step writes the
 * same record, and parsable back to the record's key.
 */
export function formatBackupId(guestId: string, volidOrRun: string): string {
  return PREFIX + Buffer.from(`${guestId}\n${volidOrRun}`, 'utf8').toString('base64url');
}

export function parseBackupId(id: string): { guestId: string; volidOrRun: string } | undefined {
  if (!id.startsWith(PREFIX) || id.length > 1024) return undefined;
  const body = id.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const decoded = Buffer.from(body, 'base64url').toString('utf8');
  const newline = decoded.indexOf('\n');
  if (newline <= 0 || newline === decoded.length - 1) return undefined;
  // Only the canonical spelling: one id per backup.
  if (formatBackupId(decoded.slice(0, newline), decoded.slice(newline + 1)) !== id) return undefined;
  return { guestId: decoded.slice(0, newline), volidOrRun: decoded.slice(newline + 1) };
}
