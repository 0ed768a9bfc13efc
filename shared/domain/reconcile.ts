import { MANUAL_RUN_NAME, MANUAL_RUN_PREFIX_MAX } from './run.ts';
import { HAND_SNAPSHOT_NAME as BY_HAND } from './snapshot-name.ts';
import type { SnapshotRecord } from './snapshot-record.ts';

/** A snapshot as Proxmox lists it (the `current` pseudo entry excluded). */
export interface ObservedSnapshot {
  readonly name: string;
  readonly snaptime: number;
  /** Whether Proxmox stored RAM state with it (never for a container). */
  readonly vmstate: boolean;
}

export interface ReconcileResult {
  /** Snapshots the service took (its name pattern) that have no record: recorded now. */
  readonly adopt: SnapshotRecord[];
  /** Records of snapshots that are no longer on Proxmox: marked `missing`, never deleted. */
  readonly missing: SnapshotRecord[];
  /** Records whose RAM state differs from what Proxmox lists: Proxmox's word is recorded. */
  readonly corrected: SnapshotRecord[];
}

/** A scheduled tick's name: `<policy prefix>-yyyymmdd-hhmm`. */
const SCHEDULED = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})$/;
/**
 * The policy a name of the service belongs to, and the time it names: a scheduled tick's name
 * (prefix and minute) or a manual run's (prefix, possibly shortened, and second). A shortened
 * prefix belongs to the one policy whose prefix starts with it; when several do, to none.
 */
function policyOfName(
  name: string,
  policyByPrefix: ReadonlyMap<string, string>,
): { policyId: string; scheduledTime: string } | undefined {
  const scheduled = SCHEDULED.exec(name);
  const scheduledPolicy = scheduled ? policyByPrefix.get(scheduled[1] as string) : undefined;
  if (scheduled && scheduledPolicy) {
    const [, , y, mo, d, h, mi] = scheduled;
    return { policyId: scheduledPolicy, scheduledTime: `${y}-${mo}-${d}T${h}:${mi}:00.000Z` };
  }
  const manual = MANUAL_RUN_NAME.exec(name);
  if (!manual) return undefined;
  const [, prefix = '', y, mo, d, h, mi, s] = manual;
  let policyId = policyByPrefix.get(prefix);
  if (!policyId && prefix.length === MANUAL_RUN_PREFIX_MAX) {
    const candidates = [...policyByPrefix].filter(([full]) => full.startsWith(prefix));
    if (candidates.length === 1) policyId = candidates[0]?.[1];
  }
  return policyId ? { policyId, scheduledTime: `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z` } : undefined;
}

/**
 * Compares a guest's records with the snapshots on Proxmox. Only names the service would have
 * given (a policy's scheduled or manual-run names, or manual/safety) are adopted; a snapshot
 * made by hand in Proxmox under another name is never touched. Where a record and Proxmox
 * disagree on RAM state, Proxmox's word is recorded (a container never has any; a stopped VM's
 * snapshot has none, whatever was asked).
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
  const present = new Map(observed.map((snapshot) => [snapshot.name, snapshot]));
  const adopt: SnapshotRecord[] = [];
  for (const snapshot of observed) {
    const existing = recorded.get(snapshot.name);
    if (existing && existing.status !== 'failed') continue;
    // A name taken by hand wins: such a snapshot is never a policy's, so never pruned by one.
    const byHand = BY_HAND.test(snapshot.name);
    const owner = byHand ? undefined : policyOfName(snapshot.name, policyByPrefix);
    if (!owner && !byHand) continue;
    adopt.push({
      tenantId,
      guestId,
      name: snapshot.name,
      ...(owner ? { policyId: owner.policyId, scheduledTime: owner.scheduledTime } : {}),
      status: 'created',
      vmstate: snapshot.vmstate,
      createdAt: snapshot.snaptime > 0 ? new Date(snapshot.snaptime * 1000).toISOString() : nowIso,
      ...(byHand && !owner ? { manual: true } : {}),
      adopted: true,
    });
  }
  const missing = records
    .filter((record) => record.status === 'created' && !present.has(record.name))
    .map((record) => ({ ...record, status: 'missing' as const, missingSince: nowIso }));
  const corrected = records.flatMap((record) => {
    const snapshot = present.get(record.name);
    return record.status === 'created' && snapshot && snapshot.vmstate !== record.vmstate
      ? [{ ...record, vmstate: snapshot.vmstate }]
      : [];
  });
  return { adopt, missing, corrected };
}
