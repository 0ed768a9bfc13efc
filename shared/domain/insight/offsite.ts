import type { RecoveryPoint } from './rpo.ts';

/** Whether a guest an off-site copy policy takes has a second copy young enough. */
export interface OffsiteCoverage {
  /** The newest off-site copy is younger than the copy policies' interval (no grace). */
  readonly protected: boolean;
  /** The shortest interval of the enabled off-site policies that take the guest. */
  readonly intervalMs: number;
  readonly newestMs?: number;
  readonly policyIds: readonly string[];
}

/**
 * A backup point written by an off-site copy policy is an off-site point, not a backup one: a
 * guest's backups and its second copies are measured apart, each against its own policies.
 */
export function classifyPoints(
  points: readonly RecoveryPoint[],
  offsitePolicyIds: ReadonlySet<string>,
): RecoveryPoint[] {
  return points.map((point) =>
    point.kind === 'backup' && point.policyId !== undefined && offsitePolicyIds.has(point.policyId)
      ? { ...point, kind: 'offsite' }
      : point,
  );
}

/**
 * Off-site protected only while the newest second copy is younger than its interval: an older
 * copy, or none, protects against losing a site no better than a stale one would.
 */
export function offsiteCoverage(input: {
  points: readonly RecoveryPoint[];
  intervalMs: number;
  policyIds: readonly string[];
  nowMs: number;
}): OffsiteCoverage {
  let newestMs: number | undefined;
  for (const point of input.points) {
    if (point.kind === 'offsite' && (newestMs === undefined || point.createdMs > newestMs))
      newestMs = point.createdMs;
  }
  return {
    protected: newestMs !== undefined && input.nowMs - newestMs < input.intervalMs,
    intervalMs: input.intervalMs,
    ...(newestMs !== undefined ? { newestMs } : {}),
    policyIds: input.policyIds,
  };
}
