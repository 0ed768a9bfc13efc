import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { ProxmoxVm } from '#shared/domain/proxmox/types.ts';
import { isRestoreTestGuest } from '#shared/domain/restore-test/isolation.ts';
import type { RestoreTestRun } from '#shared/domain/restore-test/restore-test.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { clusterCaller } from './cluster-call.ts';

/** Leftovers torn down per call at most, and how long each of their tasks is waited for: the step has 55 s. */
const PER_CALL = 1;
const TASK_DEADLINE_MS = 15_000;
const POLL_MS = 500;

const keyOf = (clusterId: string, vmid: number) => `${clusterId}/${vmid}`;

/**
 * A run still `running` after its state machine's 12-hour limit has lost its execution (no
 * ended-execution rule finishes restore-test runs): its test guests count as leftovers.
 */
const GOING_ON_MS = 13 * 3600_000;

/**
 * Finds test guests earlier runs left behind (a crash, a teardown that failed) and removes them:
 * a guest is a leftover when a run that is not going on recorded it as its test guest and never
 * saw it destroyed, and Proxmox still lists it with the service's tag (or, when the crash came
 * before the tag was written, with the name the clone got). A guest that only carries the tag is
 * never touched: the service destroys only what its own records say it made. Runs at the start
 * of every restore-test run and in the daily sweep; answers the vmids removed.
 */
export async function removeLeftovers(
  deps: ServiceDeps,
  tenantId: string,
  currentRunId?: string,
): Promise<number[]> {
  const runs = await deps.store.restoreTestRuns.all(tenantId);
  const recorded = new Map<string, { run: RestoreTestRun; sourceVmid: number }>();
  const nowMs = deps.now();
  for (const run of runs) {
    const goingOn = run.status === 'running' && nowMs - Date.parse(run.startedAt) < GOING_ON_MS;
    if (goingOn && run.id !== currentRunId) continue;
    for (const item of run.items ?? []) {
      if (item.testVmid !== undefined && item.destroyed !== true)
        recorded.set(keyOf(item.clusterId, item.testVmid), { run, sourceVmid: item.vmid });
    }
  }
  if (recorded.size === 0) return [];
  const clusters = await readAllPages((cursor) =>
    deps.store.clusters.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const leftovers: Array<{ clusterId: string; vm: ProxmoxVm }> = [];
  for (const cluster of clusters) {
    const vms = await clusterCaller(
      deps.proxmox,
      tenantId,
      cluster.id,
    )({ type: 'listGuests' }).catch((): ProxmoxVm[] => []);
    for (const vm of vms) {
      const record = recorded.get(keyOf(cluster.id, vm.vmid));
      if (!record) continue;
      if (isRestoreTestGuest(vm.tags) || vm.name === `restore-test-${record.sourceVmid}`)
        leftovers.push({ clusterId: cluster.id, vm });
    }
  }
  const removed: number[] = [];
  for (const { clusterId, vm } of leftovers.slice(0, PER_CALL)) {
    const destroyed = await tearDown(deps, tenantId, clusterId, vm).catch(() => false);
    if (destroyed) removed.push(vm.vmid);
  }
  // Records whose guest is gone (removed now, or found missing) are marked destroyed, so they are not looked for again.
  const present = new Set(leftovers.map(({ clusterId, vm }) => keyOf(clusterId, vm.vmid)));
  const removedKeys = new Set(
    leftovers
      .filter(({ vm }) => removed.includes(vm.vmid))
      .map(({ clusterId, vm }) => keyOf(clusterId, vm.vmid)),
  );
  const listed = new Set(clusters.map((cluster) => cluster.id));
  for (const run of new Set([...recorded.values()].map(({ run }) => run))) {
    if (run.id === currentRunId) continue;
    let changed = false;
    const items = (run.items ?? []).map((item) => {
      if (item.testVmid === undefined || item.destroyed === true || !listed.has(item.clusterId)) return item;
      const key = keyOf(item.clusterId, item.testVmid);
      if (present.has(key) && !removedKeys.has(key)) return item;
      changed = true;
      return { ...item, destroyed: true };
    });
    if (changed) await deps.store.restoreTestRuns.save({ ...run, items });
  }
  return removed;
}

async function tearDown(
  deps: ServiceDeps,
  tenantId: string,
  clusterId: string,
  vm: ProxmoxVm,
): Promise<boolean> {
  const guest = { node: vm.node, guestType: vm.type, vmid: vm.vmid };
  const call = clusterCaller(deps.proxmox, tenantId, clusterId);
  const waitFor = async (upid: string) => {
    const until = Date.now() + TASK_DEADLINE_MS;
    while (Date.now() < until) {
      if ((await call({ type: 'taskOutcome', upid })).status === 'stopped') return true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return false;
  };
  const status = await call({ type: 'guestStatus', ...guest });
  if (status.status === 'running' && !(await waitFor((await call({ type: 'stopGuest', ...guest })).upid)))
    return false;
  return await waitFor((await call({ type: 'destroyGuest', ...guest })).upid);
}
