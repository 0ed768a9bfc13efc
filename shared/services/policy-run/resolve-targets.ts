import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import { scheduledSnapshotName } from '#shared/domain/snapshot-name.ts';
import { syncClusterInventory } from '../inventory.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { type PolicyRunInput, type SnapshotLane, type SnapshotWorkItem, systemContext } from './work-item.ts';

/**
 * Step 2 of a policy run:
 * 1. syncs the inventory of every cluster of the tenant (an unreachable cluster keeps its last
 *    known guests, whose snapshots then fail and make the run partial),
 * 2. selects the targets (selector, exclusions in force, no templates, no gone guests),
 * 3. records how many there are and hands them over grouped per node.
 */
export async function resolveTargets(
  deps: ServiceDeps,
  input: PolicyRunInput & { runId: string },
): Promise<{ lanes: SnapshotLane[]; count: number }> {
  const policy = await deps.store.policies.get(input.tenantId, input.policyId);
  if (!policy) {
    await deps.store.runs.update(input.tenantId, input.runId, { reason: 'the policy was deleted' });
    return { lanes: [], count: 0 };
  }
  const context = systemContext(input.tenantId, input.runId);
  const clusters = await readAllPages((cursor) =>
    deps.store.clusters.list(input.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  await Promise.all(
    clusters.map((cluster) => syncClusterInventory(deps, context, cluster.id).catch(() => undefined)),
  );
  const guests = await readAllPages<Guest>((cursor) =>
    deps.store.guests.list(input.tenantId, { limit: 200, includeGone: true, ...(cursor ? { cursor } : {}) }),
  );
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(input.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const { targets } = selectTargets(policy, guests, exclusions, deps.now());
  const snapshotName = scheduledSnapshotName(policy.snapshot.namePrefix, Date.parse(input.scheduledTime));
  const workItem = (guest: Guest): SnapshotWorkItem => ({
    tenantId: input.tenantId,
    runId: input.runId,
    policyId: policy.id,
    policyName: policy.name,
    scheduledTime: input.scheduledTime,
    clusterId: guest.clusterId,
    guestId: guest.id,
    node: guest.node,
    guestType: guest.type,
    vmid: guest.vmid,
    snapshotName,
    vmstate: policy.snapshot.includeMemory && guest.type === 'qemu',
    description: `${policy.name} (${input.trigger}) ${input.scheduledTime}`,
  });
  const lanes = Map.groupBy(targets, (guest) => `${guest.clusterId}/${guest.node}`);
  await deps.store.runs.update(input.tenantId, input.runId, { targets: targets.length });
  return {
    lanes: [...lanes].map(([lane, onLane]) => ({
      lane,
      items: onLane.map(workItem),
      perNode: policy.concurrency?.perNode ?? 2,
    })),
    count: targets.length,
  };
}
