import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { decidePoints, type SnapshotDecision } from '../retention/guest-retention.ts';

/** A decision on one archive: `name` is its volume id. */
export interface BackupDecision extends SnapshotDecision {
  readonly storage: string;
}

const backupTime = (record: BackupRecord) => Date.parse(record.scheduledTime ?? record.createdAt);

/**
 * Backup retention for one guest under one backup policy: the snapshots' rule (decidePoints),
 * applied per storage to the archives this policy wrote that still exist. External archives,
 * manual ones and other policies' are never candidates; protected ones are kept and listed as
 * `protected`; on each storage the newest archive is the last good copy and is never pruned.
 * Newest first, as the preview shows them.
 */
export function decideBackupRetention(
  policy: Pick<Policy, 'id' | 'retention' | 'schedule'>,
  records: readonly BackupRecord[],
  now: number,
): BackupDecision[] {
  const candidates = records.filter(
    (record): record is BackupRecord & { volid: string } =>
      record.origin === 'policy' &&
      record.policyId === policy.id &&
      record.status === 'created' &&
      record.volid !== undefined,
  );
  const decisions: BackupDecision[] = [];
  for (const [storage, onStorage] of Map.groupBy(candidates, (record) => record.storage)) {
    const points = onStorage.map((record) => ({
      name: record.volid,
      time: backupTime(record),
      ...(record.protected ? { protected: true } : {}),
    }));
    decisions.push(...decidePoints(policy, points, now).map((decision) => ({ ...decision, storage })));
  }
  return decisions.sort((a, b) => b.time - a.time);
}
