import type { RetentionRule } from '#shared/domain/policy.ts';
import { applyRetention, type RetentionDecision } from '#shared/domain/retention.ts';
import { decidePoints } from './guest-retention.ts';

export interface SimulatedPoint {
  readonly id: string;
  readonly time: number;
  readonly protected?: boolean;
  /** An archive's storage: a backup policy's rule applies to each guest's archives per storage. */
  readonly storage?: string;
  /** The guest an archive is of (archives of different guests are decided apart). */
  readonly guestId?: string;
  /** Made outside the service (found on Proxmox or the storage): never a candidate. */
  readonly external?: boolean;
}

type SimulatedDecision = RetentionDecision & { storage?: string; guestId?: string };

/**
 * What a rule keeps of a list of snapshots or archives, newest first. Points with a `storage` are
 * archives, decided as a backup policy's retention decides them: per guest and storage, by the
 * same rule (`decidePoints`), so protected ones are kept and the newest of each guest and storage
 * is the last good copy, never pruned. The rest are decided together, as PBS's prune simulator
 * does. External points are never candidates (kept, `external`).
 */
export function simulateRetention(
  rule: RetentionRule,
  timeZone: string,
  points: readonly SimulatedPoint[],
  now: number,
): SimulatedDecision[] {
  const decisions: SimulatedDecision[] = points
    .filter((point) => point.external)
    .map(({ id, time, storage, guestId }) => ({
      id,
      time,
      keep: true,
      reason: 'external' as const,
      ...(storage === undefined ? {} : { storage }),
      ...(guestId === undefined ? {} : { guestId }),
    }));
  const candidates = points.filter((point) => !point.external);
  const groups = Map.groupBy(candidates, (point) =>
    point.storage === undefined ? undefined : JSON.stringify([point.guestId ?? null, point.storage]),
  );
  for (const [key, group] of groups) {
    // An archive group's guest and storage; snapshots are decided together, whatever their guest.
    const [first] = group;
    const where =
      key === undefined || first?.storage === undefined
        ? {}
        : { storage: first.storage, ...(first.guestId === undefined ? {} : { guestId: first.guestId }) };
    const decided =
      key === undefined
        ? applyRetention(
            rule,
            timeZone,
            group.map(({ id, time, protected: pinned }) => ({
              id,
              time,
              ...(pinned ? { protected: true } : {}),
            })),
            { now },
          )
        : decidePoints(
            { retention: rule, schedule: { timezone: timeZone } },
            group.map(({ id, time, protected: pinned }) => ({
              name: id,
              time,
              ...(pinned ? { protected: true } : {}),
            })),
            now,
          ).map(({ id, time, keep, reason }) => ({ id, time, keep, reason }));
    decisions.push(...decided.map((decision) => ({ ...decision, ...where })));
  }
  // Each group is newest first already; a stable sort merges them without reordering within one.
  return decisions.sort((a, b) => b.time - a.time);
}
