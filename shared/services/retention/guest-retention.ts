import type { Policy } from '#shared/domain/policy.ts';
import { applyRetention, type RetentionDecision } from '#shared/domain/retention.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';

export interface SnapshotDecision extends RetentionDecision {
  /** The snapshot's name on Proxmox (the decision's id); an archive's volume id for a backup. */
  readonly name: string;
}

/** A snapshot or archive as retention sees it: one of the policy's own that still exists. */
export interface RecoveryPoint {
  /** The snapshot's name or the archive's volume id. */
  readonly name: string;
  /** The tick it belongs to (epoch ms), so retention periods follow the schedule. */
  readonly time: number;
  readonly protected?: boolean;
}

/**
 * The one rule the preview, the dry run, the policy run and the daily sweep share for one guest,
 * so a run prunes exactly what the preview showed: the PBS engine over the policy's own points,
 * protected ones passed as protected (kept, listed, and covering no period, as PBS marks them),
 * and the newest point is the last good copy, never pruned.
 */
export function decidePoints(
  policy: {
    readonly retention: Policy['retention'];
    readonly schedule: Pick<Policy['schedule'], 'timezone'>;
  },
  points: readonly RecoveryPoint[],
  now: number,
): SnapshotDecision[] {
  let lastGood: RecoveryPoint | undefined;
  for (const point of points) {
    if (!lastGood || point.time > lastGood.time) lastGood = point;
  }
  return applyRetention(
    policy.retention,
    policy.schedule.timezone,
    points.map((point) => ({
      id: point.name,
      time: point.time,
      ...(point.protected ? { protected: true } : {}),
    })),
    { now, ...(lastGood ? { lastGoodId: lastGood.name } : {}) },
  ).map((decision) => ({ ...decision, name: decision.id }));
}

/** The time a scheduled snapshot belongs to: its tick. */
const recordTime = (record: SnapshotRecord) => Date.parse(record.scheduledTime ?? record.createdAt);

/**
 * Retention for one guest under one snapshot policy, from its snapshot records. Candidates are
 * only the snapshots this policy created that still exist (manual ones, snapshots made by hand
 * in Proxmox and other policies' never are).
 */
export function decideGuestRetention(
  policy: Pick<Policy, 'id' | 'retention' | 'schedule'>,
  records: readonly SnapshotRecord[],
  now: number,
): SnapshotDecision[] {
  const points = records
    .filter((record) => record.policyId === policy.id && record.status === 'created' && !record.manual)
    .map((record) => ({
      name: record.name,
      time: recordTime(record),
      ...(record.protected ? { protected: true } : {}),
    }));
  return decidePoints(policy, points, now);
}
