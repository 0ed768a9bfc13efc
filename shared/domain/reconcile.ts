import { HAND_SNAPSHOT_NAME as BY_HAND } from './snapshot-name.ts';
import type { SnapshotRecord } from './snapshot-record.ts';

/** A snapshot as Proxmox lists it (the `current` pseudo entry excluded). */
export interface ObservedSnapshot {
  readonly name: string;
  readonly snaptime: number;
  readonly vmstate: boolean;
}

export interface ReconcileResult {
  /** Snapshots the service took (its name pattern) that have no record: recorded now. */
  readonly adopt: SnapshotRecord[];
  /** Records of snapshots that are no longer on Proxmox: marked `missing`, never deleted. */
  readonly missing: SnapshotRecord[];
}

/** Names the service gives: `<policy prefix>-yyyymmdd-hhmm`, `manual-…` and `safety-…` with seconds. */
const SCHEDULED = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})$/;

/**
 * Compares a guest's records with the snapshots on Proxmox. Only names the service would have
 * given (a policy prefix's pattern, or manual/safety) are adopted; a snapshot made by hand in
 * Proxmox under another name is never touched.
 */
export function reconcileSnapshots(
  tenantId: string,
  guestId: string,
  records: readonly SnapshotRecord[],
  observed: readonly ObservedSnapshot[],
  policyByPrefix: ReadonlyMap<string, string>,
  nowIso: string,
): ReconcileResult {
  const recorded = new Map(records.map((record) => [record.name, record]));
  const present = new Set(observed.map((snapshot) => snapshot.name));
  const adopt: SnapshotRecord[] = [];
  for (const snapshot of observed) {
    const existing = recorded.get(snapshot.name);
    if (existing && existing.status !== 'failed') continue;
    const scheduled = SCHEDULED.exec(snapshot.name);
    const policyId = scheduled ? policyByPrefix.get(scheduled[1] as string) : undefined;
    const byHand = BY_HAND.test(snapshot.name);
    if (!policyId && !byHand) continue;
    const scheduledTime = scheduled
      ? `${scheduled[2]}-${scheduled[3]}-${scheduled[4]}T${scheduled[5]}:${scheduled[6]}:00.000Z`
      : undefined;
    adopt.push({
      tenantId,
      guestId,
      name: snapshot.name,
      ...(policyId ? { policyId } : {}),
      ...(policyId && scheduledTime ? { scheduledTime } : {}),
      status: 'created',
      vmstate: snapshot.vmstate,
      createdAt: snapshot.snaptime > 0 ? new Date(snapshot.snaptime * 1000).toISOString() : nowIso,
      ...(byHand && !policyId ? { manual: true } : {}),
      adopted: true,
    });
  }
  const missing = records
    .filter((record) => record.status === 'created' && !present.has(record.name))
    .map((record) => ({ ...record, status: 'missing' as const, missingSince: nowIso }));
  return { adopt, missing };
}
