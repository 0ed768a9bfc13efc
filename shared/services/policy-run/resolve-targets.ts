import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { policyHasHooks } from '#shared/domain/hooks/resolve-hook.ts';
import { planLanes } from '#shared/domain/lane.ts';
import { perNodeLimit } from '#shared/domain/policy.ts';
import { runSnapshotName } from '#shared/domain/run.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import { vzdumpOptions } from '../backup-policy/vzdump-options.ts';
import { syncClusterGuests } from '../inventory.ts';
import type { ServiceDeps } from '../service-deps.ts';
import {
  type LaneContext,
  type LaneSummary,
  type PolicyRunInput,
  runLaneChunk,
  systemContext,
  takesFastLane,
} from './work-item.ts';

/**
 * Step 2 of a policy run:
 * 1. syncs the inventory of every cluster of the tenant (an unreachable cluster keeps its last
 *    known guests, whose snapshots then fail and make the run partial),
 * 2. selects the targets (selector, exclusions in force, no templates, no gone guests),
 * 3. records how many there are and stores them grouped per node (cluster and node), one lane
 *    each; the parent gets only the lanes' indexes (a run's guests in full would pass Step
 *    Functions' 256 KiB payload limit), each lane loads its own guests.
 */
export async function resolveTargets(
  deps: ServiceDeps,
  input: PolicyRunInput & { runId: string },
): Promise<{ lanes: LaneSummary[]; count: number }> {
  const policy = await deps.store.policies.get(input.tenantId, input.policyId);
  if (!policy) {
    await deps.store.runs.update(input.tenantId, input.runId, { reason: 'the policy was deleted' });
    return { lanes: [], count: 0 };
  }
  const context = systemContext(input.tenantId, input.runId);
  const clusters = await readAllPages((cursor) =>
    deps.store.clusters.list(input.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  // Each cluster's guests as its sync leaves them; a cluster that could not be synced keeps its
  // last known guests.
  const perCluster = await Promise.all(
    clusters.map((cluster) =>
      syncClusterGuests(deps, context, cluster.id).then(
        (synced) => synced.guests,
        () => deps.store.guests.allOfCluster(input.tenantId, cluster.id),
      ),
    ),
  );
  const guests = perCluster.flat();
  const exclusions = await readAllPages<Exclusion>((cursor) =>
    deps.store.exclusions.list(input.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const { targets } = selectTargets(policy, guests, exclusions, deps.now());
  const agentClusters = new Set(
    clusters.filter((cluster) => cluster.connection === 'agent').map((cluster) => cluster.id),
  );
  // A tick's name is deterministic; a "run now" has its own (seconds and a suffix of its id).
  const snapshotName = runSnapshotName(
    policy.snapshot.namePrefix,
    input.scheduledTime,
    input.trigger,
    input.runId,
  );
  const perNode = perNodeLimit(policy);
  // Each node's guests in chunks of the kind's lane size, numbered across the run: one stored lane each.
  let next = 0;
  const summaries: LaneSummary[] = [];
  const writes: Array<Promise<void>> = [];
  for (const planned of planLanes(
    targets,
    policy.snapshot.includeMemory,
    runLaneChunk(policy, targets.length),
  )) {
    const context: LaneContext = {
      tenantId: input.tenantId,
      runId: input.runId,
      policyId: policy.id,
      policyName: policy.name,
      scheduledTime: input.scheduledTime,
      clusterId: planned.clusterId,
      snapshotName,
      description: `${policy.name} (${input.trigger}) ${input.scheduledTime}`,
      kind: policy.kind ?? 'snapshot',
      vzdump: vzdumpOptions(policy),
      pruneOnly: false,
      pruneBy: `run ${input.runId}`,
      followTasks: agentClusters.has(planned.clusterId),
      hooks: policyHasHooks(policy.hooks),
    };
    const chunks: number[] = [];
    for (const guests of planned.chunks) {
      const index = next++;
      chunks.push(index);
      writes.push(deps.store.lanes.put(input.tenantId, input.runId, index, { context, perNode, guests }));
    }
    summaries.push({
      lane: planned.lane,
      chunks,
      guests: planned.chunks.flat().length,
      fast: takesFastLane(policy) && !context.followTasks,
    });
  }
  await Promise.all(writes);
  await deps.store.runs.update(input.tenantId, input.runId, { targets: targets.length });
  return { lanes: summaries, count: targets.length };
}
