import { createHash } from 'node:crypto';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import type { LaneGuest, LaneRef, StoredLane } from '#shared/domain/lane.ts';
import type { Policy } from '#shared/domain/policy.ts';
import { perNodeLimit } from '#shared/domain/policy.ts';
import { decideBackupRetention } from '../backup-policy/backup-retention.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { decideGuestRetention } from './guest-retention.ts';
import { SWEEP_LANE_CHUNK } from './prune-work.ts';

export interface PruneSweepSummary {
  readonly guests: number;
  readonly lanes: number;
  /** Snapshots retention would delete now, over all lanes started. */
  readonly deletions: number;
}

/** Which guests one unit of the sweep prunes, and the key that keeps its lane names apart. */
export interface PruneSweepUnit {
  readonly tenantId: string;
  readonly guestIds: readonly string[];
  /** Unique within the tenant and the day (e.g. the unit's chunk), so its lanes get their own names. */
  readonly unitKey: string;
}

/**
 * The daily retention sweep over one unit of guests: finds every live guest with snapshots an
 * enabled policy's retention would delete now (runs prune their own guests; the sweep catches
 * guests no run touched, failed deletions, `maxAgeDays` and policies whose runs fail) and starts a
 * prune-only lane per policy and node. Lane names are derived from the day and the unit, so a
 * unit swept twice the same day starts each lane once. Disabled and deleted policies prune nothing.
 */
export async function pruneSweep(
  deps: ServiceDeps,
  unit: PruneSweepUnit,
  startLane: (name: string, lane: LaneRef) => Promise<void>,
): Promise<PruneSweepSummary> {
  const day = new Date(deps.now()).toISOString().slice(0, 10);
  const lanesByNode = new Map<string, Array<StoredLane & { guests: LaneGuest[] }>>();
  let deletions = 0;
  let guests = 0;
  const { tenantId, guestIds } = unit;
  const policies = new Map<string, Policy | undefined>();
  const policyOf = async (id: string) => {
    if (!policies.has(id)) policies.set(id, await deps.store.policies.get(tenantId, id));
    return policies.get(id);
  };
  for (const guestId of guestIds) {
    const records = await deps.store.snapshots.list(tenantId, guestId);
    // A backup policy's archives are its candidates (see decideBackupRetention).
    const archives = await deps.store.backups.listForGuest(tenantId, guestId);
    const policyIds = new Set(
      [...records, ...archives].flatMap((record) => (record.policyId ? [record.policyId] : [])),
    );
    const ref = parseGuestId(guestId);
    const guest =
      ref && policyIds.size > 0 ? await deps.store.guests.get(tenantId, ref.clusterId, ref.vmid) : undefined;
    if (!guest || guest.gone) continue;
    let counted = false;
    for (const policyId of policyIds) {
      const policy = await policyOf(policyId);
      if (!policy?.enabled) continue;
      const decisions =
        policy.kind === 'backup'
          ? decideBackupRetention(policy, archives, deps.now())
          : decideGuestRetention(policy, records, deps.now());
      const pruned = decisions.filter((d) => !d.keep).length;
      if (pruned === 0) continue;
      deletions += pruned;
      if (!counted) guests++;
      counted = true;
      // At most SWEEP_LANE_CHUNK guests per lane: a full lane opens the node's next one.
      const node = `${tenantId}/${policyId}/${guest.clusterId}/${guest.node}`;
      const nodeLanes = lanesByNode.get(node) ?? [];
      lanesByNode.set(node, nodeLanes);
      let lane = nodeLanes.at(-1);
      if (!lane || lane.guests.length >= SWEEP_LANE_CHUNK) {
        const key = `${unit.unitKey}/${node}/${nodeLanes.length}`;
        const name = `prune-${day}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
        lane = {
          // A prune-only lane takes no snapshot: the snapshot fields stay empty.
          context: {
            tenantId,
            runId: name,
            policyId,
            policyName: policy.name,
            scheduledTime: '',
            clusterId: guest.clusterId,
            snapshotName: '',
            description: '',
            kind: policy.kind ?? 'snapshot',
            vzdump: null,
            pruneOnly: true,
            pruneBy: `sweep ${day}`,
            followTasks: false,
            hooks: false,
          },
          perNode: perNodeLimit(policy),
          guests: [],
        };
        nodeLanes.push(lane);
      }
      lane.guests.push({
        guestId,
        node: guest.node,
        guestType: guest.type,
        vmid: guest.vmid,
        vmstate: false,
      });
    }
  }
  const lanes = [...lanesByNode.values()].flat();
  for (const lane of lanes) {
    const name = lane.context.runId;
    await deps.store.lanes.put(lane.context.tenantId, name, 0, lane);
    await startLane(name, { tenantId: lane.context.tenantId, laneSetId: name, index: 0 });
  }
  return { guests, lanes: lanes.length, deletions };
}
