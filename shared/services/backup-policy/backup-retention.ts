import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { applyRetention } from '#shared/domain/retention.ts';
import type { SnapshotDecision } from '../retention/guest-retention.ts';

/** A decision on one archive: `name` is its volume id. */
export interface BackupDecision extends SnapshotDecision {
  readonly storage: string;
}

const backupTime = (record: BackupRecord) => Date.parse(record.scheduledTime ?? record.createdAt);

/**
 * Backup retention for one guest under one backup policy: the snapshot rule engine, applied per
 * storage to the archives this policy wrote that still exist. External archives, manual ones,
 * other policies' and protected ones are never candidates; on each storage the newest archive
 * is the last good copy and is never pruned. Newest first, as the preview shows them.
 */
export function decideBackupRetention(
  policy: Pick<Policy, 'id' | 'retention' | 'schedule'>,
  records: readonly BackupRecord[],
  now: number,
): BackupDecision[] {
  const candidates = records.filter(
    (record) =>
      record.origin === 'policy' &&
      record.policyId === policy.id &&
      record.status === 'created' &&
      record.volid !== undefined &&
      !record.protected,
  );
  const decisions: BackupDecision[] = [];
  for (const [storage, onStorage] of Map.groupBy(candidates, (record) => record.storage)) {
    let lastGood: BackupRecord | undefined;
    for (const record of onStorage) {
      if (!lastGood || backupTime(record) > backupTime(lastGood)) lastGood = record;
    }
    const decided = applyRetention(
      policy.retention,
      policy.schedule.timezone,
      onStorage.map((record) => ({ id: record.volid ?? '', time: backupTime(record) })),
      { now, ...(lastGood?.volid ? { lastGoodId: lastGood.volid } : {}) },
    );
    decisions.push(...decided.map((decision) => ({ ...decision, name: decision.id, storage })));
  }
  return decisions.sort((a, b) => b.time - a.time);
}
