import { domainEvent } from '#shared/domain/notifications/events.ts';
import { ProxmoxNotFoundError } from '#shared/domain/proxmox-errors.ts';
import {
  alive,
  failed,
  type RestoreTestItem,
  type RestoreTestRun,
  runStatus,
} from '#shared/domain/restore-test/restore-test.ts';
import type { RestoreTestRunInput } from '#shared/ports/workflow-starter.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { clusterCaller } from './cluster-call.ts';
import { removeLeftovers } from './leftovers.ts';
import { pickRecoveryPoints } from './pick-points.ts';
import { lookForLife } from './proof-of-life.ts';
import { claimRestoreTestRun } from './restore-tests.ts';

/** Whether the run is over, and otherwise how long the workflow waits (a Wait state) before the next step. */
export interface RestoreTestStepResult {
  readonly done: boolean;
  readonly wait: number;
}

/**
 * Seconds between looks at a running Proxmox task, and at a booting guest. The boot timeout is
 * counted in looks (timeout / 5 s), so it follows the workflow's own Wait states.
 */
const TASK_POLL = 2;
const LIFE_POLL = 5;

type ItemStep = { readonly item: RestoreTestItem; readonly wait: number };

/**
 * The restore-test workflow's one step, called again after each Wait until the run is done. Each
 * call does one short thing for the first unfinished guest (send one Proxmox call, or look at a
 * task or at the booting guest once) and stores where the guest stands, so no Lambda sleeps and
 * a repeated call finds its progress. The first call reconciles leftovers of earlier runs and
 * picks the recovery points; the last one ends the run.
 */
export async function restoreTestStep(
  deps: ServiceDeps,
  input: RestoreTestRunInput,
): Promise<RestoreTestStepResult> {
  const run = await claimRestoreTestRun(deps, input);
  if (run?.status !== 'running') return { done: true, wait: 0 };
  if (!run.items) {
    await deps.store.restoreTestRuns.save(await prepare(deps, run));
    return { done: false, wait: 0 };
  }
  const index = run.items.findIndex((item) => item.phase !== 'done');
  const current = run.items[index];
  if (!current) {
    await finish(deps, run, run.items);
    return { done: true, wait: 0 };
  }
  const nowIso = new Date(deps.now()).toISOString();
  const { item, wait } = await advanceItem(deps, run, current).catch(
    (error: unknown): ItemStep => ({ item: afterError(current, error, nowIso), wait: 0 }),
  );
  if (item.phase === 'done') await publishOutcome(deps, run, item);
  const items = run.items.map((existing, position) => (position === index ? item : existing));
  await deps.store.restoreTestRuns.save({ ...run, items });
  return { done: false, wait };
}

/** Removes what earlier runs left behind, then picks this run's recovery points. */
async function prepare(deps: ServiceDeps, run: RestoreTestRun): Promise<RestoreTestRun> {
  const test = await deps.store.restoreTests.get(run.tenantId, run.testId);
  const leftoversRemoved = await removeLeftovers(deps, run.tenantId, run.id);
  if (!test) return { ...run, items: [], leftoversRemoved, reason: 'the restore test was deleted' };
  const items = await pickRecoveryPoints(deps, test);
  return { ...run, items, leftoversRemoved };
}

async function finish(
  deps: ServiceDeps,
  run: RestoreTestRun,
  items: readonly RestoreTestItem[],
): Promise<void> {
  await deps.store.restoreTestRuns.save({
    ...run,
    status: runStatus(items),
    endedAt: new Date(deps.now()).toISOString(),
  });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A failure while tearing down is kept as the destroy error (reconciliation removes the guest later); before, it fails the test. */
function afterError(item: RestoreTestItem, error: unknown, now: string): RestoreTestItem {
  if (item.phase === 'stopping' || item.phase === 'destroying') {
    if (error instanceof ProxmoxNotFoundError) return gone(item, now);
    const { upid: _upid, ...rest } = item;
    return { ...rest, phase: 'done', destroyError: message(error), endedAt: now };
  }
  return failed(item, message(error), now);
}

function gone(item: RestoreTestItem, now: string): RestoreTestItem {
  const { upid: _upid, destroyError: _error, ...rest } = item;
  return { ...rest, phase: 'done', destroyed: true, endedAt: now };
}

async function advanceItem(deps: ServiceDeps, run: RestoreTestRun, item: RestoreTestItem): Promise<ItemStep> {
  const now = deps.now();
  const nowIso = new Date(now).toISOString();
  const proxmox = clusterCaller(deps.proxmox, run.tenantId, item.clusterId);
  const taskDone = async (upid: string) =>
    (await proxmox({ type: 'taskOutcome', upid })).status === 'stopped';
  const { testVmid, testNode } = item;
  if (item.phase === 'pending') {
    if (!item.point)
      return { item: failed(item, 'the guest has no recovery point of this kind to test', nowIso), wait: 0 };
    // The vmid is stored before the guest is made, so a crash right after still names it.
    const { vmid } = await proxmox({ type: 'nextVmid' });
    const node = (await deps.store.restoreTests.get(run.tenantId, run.testId))?.target.node ?? item.node;
    return {
      item: { ...item, phase: 'restoring', testVmid: vmid, testNode: node, startedAt: nowIso },
      wait: 0,
    };
  }
  if (testVmid === undefined || testNode === undefined)
    return { item: failed(item, 'no test guest was chosen', nowIso), wait: 0 };
  const testGuest = { node: testNode, guestType: item.guestType, vmid: testVmid };
  switch (item.phase) {
    case 'restoring': {
      if (item.upid) {
        if (!(await taskDone(item.upid))) return { item, wait: TASK_POLL };
        const { upid: _upid, ...rest } = item;
        return { item: { ...rest, phase: 'isolating', restoredAt: nowIso }, wait: 0 };
      }
      const test = await deps.store.restoreTests.get(run.tenantId, run.testId);
      const storage = test?.target.storage;
      const point = item.point;
      if (!point) return { item: failed(item, 'no recovery point', nowIso), wait: 0 };
      const { upid } =
        point.kind === 'snapshot'
          ? await proxmox({
              type: 'clone',
              node: item.node,
              guestType: item.guestType,
              vmid: item.vmid,
              newid: testVmid,
              name: `restore-test-${item.vmid}`,
              snapname: point.name,
              full: true,
              ...(testNode !== item.node ? { target: testNode } : {}),
              ...(storage ? { storage } : {}),
            })
          : await proxmox({
              type: 'restore',
              ...testGuest,
              archive: point.volid,
              ...(storage ? { storage } : {}),
            });
      return { item: { ...item, upid }, wait: TASK_POLL };
    }
    case 'isolating': {
      const { options } = await proxmox({ type: 'isolateGuest', ...testGuest });
      const { tags: _tags, ...isolation } = options;
      return { item: { ...item, phase: 'starting', isolation }, wait: 0 };
    }
    case 'starting': {
      if (!item.upid) {
        const { upid } = await proxmox({ type: 'startGuest', ...testGuest });
        return { item: { ...item, upid }, wait: TASK_POLL };
      }
      if (!(await taskDone(item.upid))) return { item, wait: TASK_POLL };
      const test = await deps.store.restoreTests.get(run.tenantId, run.testId);
      const timeout = test?.bootTimeoutSeconds ?? 300;
      const { upid: _upid, ...rest } = item;
      return {
        item: {
          ...rest,
          phase: 'checking',
          bootStartedAt: nowIso,
          looksLeft: Math.max(1, Math.ceil(timeout / LIFE_POLL)),
        },
        wait: 0,
      };
    }
    case 'checking': {
      const sign = await lookForLife(deps, run.tenantId, { ...item, testVmid, testNode });
      if (sign.alive) return { item: alive(item, sign.output, nowIso), wait: 0 };
      const looksLeft = (item.looksLeft ?? 1) - 1;
      if (looksLeft > 0) return { item: { ...item, looksLeft }, wait: LIFE_POLL };
      const test = await deps.store.restoreTests.get(run.tenantId, run.testId);
      return {
        item: {
          ...failed(
            item,
            `no proof of life within ${test?.bootTimeoutSeconds ?? 300} s: ${sign.why}`,
            nowIso,
          ),
          checkOutput: sign.why,
        },
        wait: 0,
      };
    }
    case 'stopping': {
      if (item.upid) {
        if (!(await taskDone(item.upid))) return { item, wait: TASK_POLL };
        const { upid: _upid, ...rest } = item;
        return { item: { ...rest, phase: 'destroying' }, wait: 0 };
      }
      const status = await proxmox({ type: 'guestStatus', ...testGuest });
      if (status.status !== 'running') return { item: { ...item, phase: 'destroying' }, wait: 0 };
      const { upid } = await proxmox({ type: 'stopGuest', ...testGuest });
      return { item: { ...item, upid }, wait: TASK_POLL };
    }
    case 'destroying': {
      if (!item.upid) {
        const { upid } = await proxmox({ type: 'destroyGuest', ...testGuest });
        return { item: { ...item, upid }, wait: TASK_POLL };
      }
      if (!(await taskDone(item.upid))) return { item, wait: TASK_POLL };
      return { item: gone(item, nowIso), wait: 0 };
    }
    default:
      return { item, wait: 0 };
  }
}

/** `restore_test.succeeded` or `.failed` once per guest and run (the id derives from both). */
async function publishOutcome(deps: ServiceDeps, run: RestoreTestRun, item: RestoreTestItem): Promise<void> {
  const type = item.outcome === 'succeeded' ? 'restore_test.succeeded' : 'restore_test.failed';
  await deps.events.publish([
    domainEvent({
      tenantId: run.tenantId,
      type,
      subject: `${run.id}/${item.guestId}`,
      time: deps.now(),
      data: {
        restoreTestId: run.testId,
        restoreTestName: run.testName,
        runId: run.id,
        guestId: item.guestId,
        guestName: item.guestName,
        vmid: item.vmid,
        node: item.node,
        ...(item.point ? { point: item.point } : {}),
        ...(item.testVmid !== undefined ? { testVmid: item.testVmid } : {}),
        ...(item.reason ? { reason: item.reason } : {}),
        ...(item.checkOutput ? { checkOutput: item.checkOutput } : {}),
        ...(item.restoreSeconds !== undefined ? { restoreSeconds: item.restoreSeconds } : {}),
        ...(item.bootSeconds !== undefined ? { bootSeconds: item.bootSeconds } : {}),
        destroyed: item.destroyed === true,
      },
    }),
  ]);
}
