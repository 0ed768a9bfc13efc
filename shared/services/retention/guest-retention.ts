import type { Policy } from '#shared/domain/policy.ts';
import { applyRetention, type RetentionDecision } from '#shared/domain/retention.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

export interface SnapshotDecision extends RetentionDecision {
  /** The snapshot's name on Proxmox (the decision's id). */
  readonly name: string;
}

/** The time a scheduled snapshot belongs to: its tick, so retention periods follow the schedule. */
const recordTime = (record: SnapshotRecord) => Date.parse(record.scheduledTime ?? record.createdAt);

/**
 * Retention for one guest under one policy, from its snapshot records: the one rule the preview,
 * the policy run and the daily sweep share, so a run prunes exactly what the preview showed.
 * Candidates are only the snapshots this policy created that still exist (manual ones, snapshots
 * made by hand in Proxmox and other policies' never are); the guest's newest successful snapshot
 * is the last good copy and is never pruned.
 */
export function decideGuestRetention(
  policy: Pick<Policy, 'id' | 'retention' | 'schedule'>,
  records: readonly SnapshotRecord[],
  now: number,
): SnapshotDecision[] {
  const candidates = records.filter(
    (record) => record.policyId === policy.id && record.status === 'created' && !record.manual,
  );
  let lastGood: SnapshotRecord | undefined;
  for (const record of candidates) {
    if (!lastGood || recordTime(record) > recordTime(lastGood)) lastGood = record;
  }
  return applyRetention(
    policy.retention,
    policy.schedule.timezone,
    candidates.map((record) => ({
      id: record.name,
      time: recordTime(record),
      ...(record.protected ? { protected: true } : {}),
    })),
    { now, ...(lastGood ? { lastGoodId: lastGood.name } : {}) },
  ).map((decision) => ({ ...decision, name: decision.id }));
}
