import type { BackupRecord } from '../backup/backup-record.ts';
import { decideStorageGuard } from './storage-guard.ts';

/** Archives `pruneBeforeBackup` deletes at most before one backup. */
const PRUNE_BEFORE_BACKUP_LIMIT = 3;

/** The guard's estimate of a guest's next backup: its newest recorded archive's size (0 without one). */
export function guardEstimate(archives: readonly BackupRecord[]): number {
  let newest: BackupRecord | undefined;
  for (const record of archives) {
    if (record.size === undefined || record.status === 'failed') continue;
    if (!newest || record.createdAt > newest.createdAt) newest = record;
  }
  return newest?.size ?? 0;
}

const timeOf = (record: BackupRecord) => record.scheduledTime ?? record.createdAt;

/** The policy's own archives of a guest that exist on the storage: the ones its retention decides. */
export function policyArchivesOn(
  archives: readonly BackupRecord[],
  policyId: string,
  storage: string,
): Array<BackupRecord & { volid: string }> {
  return archives.filter(
    (record): record is BackupRecord & { volid: string } =>
      record.storage === storage &&
      record.policyId === policyId &&
      record.status === 'created' &&
      record.origin !== 'external' &&
      record.volid !== undefined,
  );
}

/**
 * What `pruneBeforeBackup` may delete before a guest's backup: the policy's own archives on the
 * storage that retention drops (`dropped`, by volume id) once the new one exists, never an
 * external or protected one nor the newest (the last good copy), oldest first, at most
 * {@link PRUNE_BEFORE_BACKUP_LIMIT}.
 */
export function prunableBeforeBackup(
  archives: readonly BackupRecord[],
  policyId: string,
  storage: string,
  dropped: ReadonlySet<string>,
): Array<BackupRecord & { volid: string }> {
  const own = policyArchivesOn(archives, policyId, storage);
  const newest = own.reduce<BackupRecord | undefined>(
    (found, record) => (!found || timeOf(record) > timeOf(found) ? record : found),
    undefined,
  );
  return own
    .filter((record) => record !== newest && !record.protected && dropped.has(record.volid))
    .sort((a, b) => timeOf(a).localeCompare(timeOf(b)))
    .slice(0, PRUNE_BEFORE_BACKUP_LIMIT);
}

/** One guest's planned write, as a dry run sees it from the last inventory and the catalog. */
export interface PlannedWrite {
  readonly guestId: string;
  readonly storage: string;
  /** Where the write lands: the storage on its node, or on `*` for a shared storage. */
  readonly place: string;
  /** What it will write: the guest's newest archive's size (0 without one). */
  readonly estimate: number;
  /** What `pruneBeforeBackup` may delete first: the guest's archives retention drops, oldest first. */
  readonly prunable: ReadonlyArray<{ readonly name: string; readonly size: number }>;
}

/** A storage's figures in the last inventory. */
export interface PlaceFigures {
  readonly total: number;
  readonly used: number;
  readonly active: boolean;
}

/** What the storage guard is expected to do with one guest's write. */
export interface GuardPrediction {
  readonly guestId: string;
  readonly storage: string;
  /** `fits`; `pruned-first` (fits once `pruned` are deleted); `skipped` (does not fit even then). */
  readonly outcome: 'fits' | 'pruned-first' | 'skipped';
  /** The archives deleted before the write, oldest first. */
  readonly pruned: readonly string[];
  /** The storage's bytes once the write is done (for `skipped`: had it been done). */
  readonly projected: number;
  /** The threshold in bytes. */
  readonly limit: number;
}

/**
 * The storage guard of a run, played forward over its planned writes in order (no I/O): each
 * write adds to what the run has reserved on its storage, as the run's counter does; a write that
 * would pass the threshold first frees what `pruneFirst` lets it (oldest first, until the
 * excess is covered), then fits or is skipped. Writes without a threshold, or on a storage the
 * inventory does not know or lists inactive, are not judged (absent from the answer), as the
 * run leaves them to Proxmox.
 */
export function predictStorageGuard(
  writes: readonly PlannedWrite[],
  places: ReadonlyMap<string, PlaceFigures>,
  thresholdOf: (storage: string) => number | undefined,
  pruneFirst: boolean,
): GuardPrediction[] {
  const state = new Map<string, { used: number; reserved: number }>();
  const predictions: GuardPrediction[] = [];
  for (const write of writes) {
    const figures = places.get(write.place);
    const thresholdPercent = thresholdOf(write.storage);
    if (!figures?.active || figures.total <= 0 || thresholdPercent === undefined) continue;
    const place = state.get(write.place) ?? { used: figures.used, reserved: 0 };
    state.set(write.place, place);
    const decide = () =>
      decideStorageGuard({
        thresholdPercent,
        storage: { total: figures.total, used: place.used, active: true },
        baseline: place.used,
        reserved: place.reserved,
        estimate: write.estimate,
      });
    let decision = decide();
    const pruned: string[] = [];
    if (!decision.allowed && pruneFirst) {
      const needed = (decision.projected ?? 0) - (decision.limit ?? 0);
      let freed = 0;
      for (const archive of write.prunable) {
        if (freed >= needed) break;
        pruned.push(archive.name);
        freed += archive.size;
      }
      place.used = Math.max(0, place.used - freed);
      if (freed > 0) decision = decide();
    }
    if (decision.allowed) place.reserved += write.estimate;
    predictions.push({
      guestId: write.guestId,
      storage: write.storage,
      outcome: !decision.allowed ? 'skipped' : pruned.length > 0 ? 'pruned-first' : 'fits',
      pruned,
      projected: decision.projected ?? 0,
      limit: decision.limit ?? 0,
    });
  }
  return predictions;
}
