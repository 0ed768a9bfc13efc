import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { SnapshotEntry } from '#shared/domain/proxmox/types.ts';
import { ProxmoxUnreachableError } from '#shared/domain/proxmox-errors.ts';
import { reconcileSnapshots } from '#shared/domain/reconcile.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import type { ServiceDeps } from './service-deps.ts';

/** A lock held this long outlives any snapshot, backup or clone task: it is reported as stuck. */
const STUCK_LOCK_AFTER_MS = 2 * 3600 * 1000;

/** Guests reconciled at once per call. */
const RECONCILE_CONCURRENCY = 8;

export interface ReconcileSummary {
  readonly guests: number;
  readonly adopted: number;
  readonly missing: number;
  /** Records whose RAM state was corrected to what Proxmox lists. */
  readonly corrected: number;
  readonly unreachable: number;
  /** Guests left for later because the caller's time ran short (see {@link ReconcileLimits}). */
  readonly deferred: string[];
  readonly stuckLocks: Array<{ readonly guestId: string; readonly lock: string; readonly since: string }>;
}

/** How long the caller may take: a guest is started only while one more Proxmox call fits. */
export interface ReconcileLimits {
  /** Milliseconds the caller has left (a Lambda's `getRemainingTimeInMillis`). */
  readonly timeLeftMs: () => number;
  /** The longest one Proxmox call may take (the connector's timeout), plus the caller's margin. */
  readonly callBudgetMs: number;
}

/**
 * Repairs the records of some guests against Proxmox: the service's snapshots that have no
 * record are adopted, records whose snapshot vanished are marked missing, RAM state is recorded
 * as Proxmox lists it, and locks held far
 * longer than any task are reported (never cleared: that takes an operator's decision). A guest
 * that cannot be read is skipped and counted, and so are the other guests of its node once the
 * node was unreachable (one timeout per node, not one per guest). With `limits`, guests that would
 * not finish in the caller's time are returned as `deferred`, untouched.
 */
export async function reconcileGuests(
  deps: ServiceDeps,
  input: { tenantId: string; guestIds?: string[]; runId?: string },
  limits?: ReconcileLimits,
): Promise<ReconcileSummary> {
  // After a run, the guests are the run's; otherwise the caller names them.
  const guestIds =
    input.guestIds ??
    (input.runId ? (await deps.store.runs.results(input.tenantId, input.runId)).map((r) => r.guestId) : []);
  const policies = await readAllPages<Policy>((cursor) =>
    deps.store.policies.list(input.tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
  );
  const policyByPrefix = new Map(policies.map((policy) => [policy.snapshot.namePrefix, policy.id]));
  const now = deps.now();
  const nowIso = new Date(now).toISOString();
  const summary = {
    guests: 0,
    adopted: 0,
    missing: 0,
    corrected: 0,
    unreachable: 0,
    deferred: [] as string[],
    stuckLocks: [] as ReconcileSummary['stuckLocks'],
  };
  const unreachableNodes = new Set<string>();
  const reconcileOne = async (guestId: string) => {
    const ref = parseGuestId(guestId);
    const guest = ref ? await deps.store.guests.get(input.tenantId, ref.clusterId, ref.vmid) : undefined;
    if (!guest || guest.gone) return;
    summary.guests++;
    const node = `${guest.clusterId}/${guest.node}`;
    if (unreachableNodes.has(node)) {
      summary.unreachable++;
      return;
    }
    let observed: SnapshotEntry[];
    try {
      observed = await callProxmox(deps.proxmox, {
        tenantId: input.tenantId,
        clusterId: guest.clusterId,
        command: { type: 'listSnapshots', node: guest.node, guestType: guest.type, vmid: guest.vmid },
      });
    } catch (error) {
      if (error instanceof ProxmoxUnreachableError) unreachableNodes.add(node);
      summary.unreachable++;
      return;
    }
    const records = await deps.store.snapshots.list(input.tenantId, guest.id);
    const { adopt, missing, corrected } = reconcileSnapshots(
      input.tenantId,
      guest.id,
      records,
      observed,
      policyByPrefix,
      nowIso,
    );
    for (const record of [...adopt, ...missing, ...corrected]) await deps.store.snapshots.put(record);
    const stuck = Boolean(
      guest.lock && guest.lockSince && now - Date.parse(guest.lockSince) > STUCK_LOCK_AFTER_MS,
    );
    await deps.events.publish([
      ...missing.map((record) =>
        domainEvent({
          tenantId: input.tenantId,
          type: 'snapshot.missing',
          subject: `${guest.id}/${record.name}/${record.createdAt}`,
          time: now,
          ...(record.policyId ? { policyId: record.policyId } : {}),
          data: {
            guestId: guest.id,
            vmid: guest.vmid,
            node: guest.node,
            snapshotName: record.name,
            missingSince: nowIso,
          },
        }),
      ),
      // One event per lock episode: the id is the lock and since when it is held.
      ...(stuck
        ? [
            domainEvent({
              tenantId: input.tenantId,
              type: 'lock.stuck',
              subject: `${guest.id}/${guest.lock}/${guest.lockSince}`,
              time: now,
              data: {
                guestId: guest.id,
                vmid: guest.vmid,
                node: guest.node,
                lock: guest.lock,
                since: guest.lockSince,
              },
            }),
          ]
        : []),
    ]);
    summary.adopted += adopt.length;
    summary.missing += missing.length;
    summary.corrected += corrected.length;
    if (stuck && guest.lock && guest.lockSince) {
      summary.stuckLocks.push({ guestId: guest.id, lock: guest.lock, since: guest.lockSince });
    }
  };
  // A few guests at a time: reads only, light on Proxmox, and a lane of hundreds stays quick.
  const queue = [...new Set(guestIds)];
  await Promise.all(
    Array.from({ length: Math.min(RECONCILE_CONCURRENCY, queue.length) }, async () => {
      for (let guestId = queue.shift(); guestId !== undefined; guestId = queue.shift()) {
        if (limits && limits.timeLeftMs() < limits.callBudgetMs) {
          summary.deferred.push(guestId, ...queue.splice(0));
          return;
        }
        await reconcileOne(guestId);
      }
    }),
  );
  return summary;
}
