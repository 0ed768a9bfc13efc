import type { StorageRef } from '#shared/adapters/dynamo/storage-store.ts';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import { formatGuestId } from '#shared/domain/guest-id.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { CommandResults, ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import type { RunState } from '#shared/domain/run.ts';
import { guardEstimate } from '#shared/domain/storage/predict-guard.ts';
import { SHARED_NODE } from '#shared/domain/storage/storage.ts';
import {
  decideStorageGuard,
  guardThreshold,
  StorageGuardError,
} from '#shared/domain/storage/storage-guard.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';
import { pruneForRoom } from './prune-before-backup.ts';

/** Runs one Proxmox command on the request's cluster (outside the run's pre-flight). */
type GuardCall = <C extends ConnectorCommand>(command: C) => Promise<CommandResults[C['type']]>;

export interface GuardDeps {
  readonly store: Store;
  readonly call: GuardCall;
  /** For the audit events of archives pruned before a backup (`pruneBeforeBackup`). */
  readonly ids?: IdGenerator | undefined;
  readonly now?: Clock | undefined;
}

/** Reads of the run's counter that may meet another guest's reservation before one of them gives up deciding. */
const RESERVE_ATTEMPTS = 8;

/**
 * The storage guard, right before a run's write to a storage (a vzdump, a RAM snapshot):
 * 1. nothing to do for other commands, or when neither the policy nor the tenant sets a threshold;
 * 2. the write's storage and estimate: a backup's is the guest's newest recorded archive (none
 *    yet: only the fill counts), a RAM snapshot's is what qemu-server reserves for the state;
 * 3. the storage's figures from Proxmox now, the run's counter from the table, the decision
 *    ({@link decideStorageGuard});
 * 4. too full: a {@link StorageGuardError} (nothing reaches Proxmox); else the estimate is added
 *    to the run's counter, conditionally on the counter read (another guest of the run adding at
 *    the same time makes this one read and decide again).
 */
export async function guardStorage(
  deps: GuardDeps,
  request: { readonly tenantId: string; readonly clusterId: string; readonly command: ConnectorCommand },
  run: RunState,
  pruned = false,
): Promise<void> {
  const { tenantId, clusterId, command } = request;
  const writes =
    command.type === 'vzdump' ||
    (command.type === 'createSnapshot' && command.guestType === 'qemu' && command.vmstate === true);
  if (!writes) return;
  const [policy, tenant] = await Promise.all([
    deps.store.policies.get(tenantId, run.policyId),
    deps.store.tenants.get(tenantId),
  ]);
  const settings = policy?.storageGuard;
  const pruneFirst = command.type === 'vzdump' && policy?.backup?.pruneBeforeBackup === true && !pruned;
  if (!settings && tenant?.storageGuardPercent === undefined && !pruneFirst) return;

  // The estimate and the node's storages at once: both are reads.
  const [target, listed] = await Promise.all([
    command.type === 'vzdump'
      ? newestArchiveSize(deps.store, tenantId, clusterId, command.vmid).then((bytes) => ({
          storage: command.storage,
          bytes,
        }))
      : deps.call({ type: 'vmstateTarget', node: command.node, vmid: command.vmid }),
    deps.call({ type: 'listStorages', node: command.node }),
  ]);
  const thresholdPercent = guardThreshold(settings, tenant?.storageGuardPercent, target.storage, pruneFirst);
  if (thresholdPercent === undefined) return;
  const storage = listed.find((entry) => entry.storage === target.storage);
  // A storage the node does not have: Proxmox answers the write with its own error.
  if (!storage) return;
  const ref: StorageRef & { runId: string } = {
    tenantId,
    clusterId,
    storage: target.storage,
    node: storage.shared === 1 ? SHARED_NODE : command.node,
    runId: run.id,
  };
  const figures = {
    total: storage.total ?? 0,
    used: storage.used ?? 0,
    active: storage.active === undefined ? storage.total !== undefined : storage.active === 1,
  };
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
    const reservation = await deps.store.storages.reservation(ref);
    const baseline = reservation?.baseline ?? figures.used;
    const decision = decideStorageGuard({
      thresholdPercent,
      storage: figures,
      baseline,
      reserved: reservation?.reserved ?? 0,
      estimate: target.bytes,
    });
    if (!decision.allowed && pruneFirst && policy && command.type === 'vzdump') {
      const pruneDeps = { ...deps, ids: deps.ids ?? createUlidGenerator(), now: deps.now ?? Date.now };
      const freed = await pruneForRoom(pruneDeps, {
        tenantId,
        clusterId,
        node: command.node,
        vmid: command.vmid,
        storage: target.storage,
        policy,
        run,
        needed: decision.projected - decision.limit,
      });
      if (freed > 0) {
        // What was freed leaves the run's counter too; then decide again on Proxmox's new figures.
        await deps.store.storages.reserve(ref, reservation, baseline, -freed);
        return await guardStorage(deps, request, run, true);
      }
    }
    if (!decision.allowed) {
      throw new StorageGuardError(
        {
          ...ref,
          thresholdPercent,
          projected: decision.projected,
          total: figures.total,
          estimate: target.bytes,
        },
        command.type === 'vzdump'
          ? `a backup of guest ${command.vmid}`
          : `RAM state of guest ${command.vmid}`,
      );
    }
    if (await deps.store.storages.reserve(ref, reservation, baseline, target.bytes)) return;
  }
}

/** The size of the guest's newest archive the service recorded (0 when it has none yet). */
async function newestArchiveSize(
  store: Store,
  tenantId: string,
  clusterId: string,
  vmid: number,
): Promise<number> {
  return guardEstimate(await store.backups.listForGuest(tenantId, formatGuestId({ clusterId, vmid })));
}
