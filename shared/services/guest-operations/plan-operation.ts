import { NotFoundError } from '#shared/domain/errors.ts';
import { formatGuestId, parseGuestId } from '#shared/domain/guest-id.ts';
import { type Operation, operationNameSuffix } from '#shared/domain/operation.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { handSnapshotName } from '#shared/domain/snapshot-name.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import { planBackupRestore } from '../backups/restore-backup.ts';
import type { ServiceDeps } from '../service-deps.ts';

export interface OperationStep {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly label: string;
  readonly command: ConnectorCommand;
}

/** A step as the workflow runs it: on an agent cluster, the agent follows the task it starts. */
export interface PlannedStep extends OperationStep {
  readonly followTasks: boolean;
}

/**
 * First step of a guest operation: plans its Proxmox steps ({@link planSteps}) and marks each
 * with whether the cluster's agent follows its task (`FollowStep` waits for the agent's report
 * instead of polling; any other cluster, or an agent that cannot, is polled).
 */
export async function planOperation(
  deps: ServiceDeps,
  input: { tenantId: string; operationId: string },
): Promise<{ steps: PlannedStep[] }> {
  const steps = await planSteps(deps, input);
  const clusterId = steps[0]?.clusterId;
  const cluster = clusterId ? await deps.store.clusters.get(input.tenantId, clusterId) : undefined;
  const followTasks = cluster?.connection === 'agent';
  return { steps: steps.map((step) => ({ ...step, followTasks })) };
}

/**
 * The steps of a guest operation: looks at the guest as Proxmox sees it now and plans the
 * Proxmox tasks to run one after another.
 * - snapshot: take it (with RAM state if asked and a VM).
 * - delete-snapshot: delete it.
 * - restore-in-place: safety snapshot (unless declined), stop the guest if it runs and the
 *   snapshot has no RAM state, roll back, start it again if asked (default: if it was running).
 * - restore-new-guest: clone the snapshot into the next free (or the given) vmid, remove the
 *   tags Proxmox copied from the source (unless `newGuest.copyTags`), start it if asked.
 * - restore-backup-new-guest / restore-backup-in-place: see {@link planBackupRestore}.
 */
async function planSteps(
  deps: ServiceDeps,
  input: { tenantId: string; operationId: string },
): Promise<OperationStep[]> {
  const operation = await deps.store.operations.get(input.tenantId, input.operationId);
  if (!operation) throw new NotFoundError('operation', input.operationId);
  if (operation.kind === 'restore-backup-new-guest' || operation.kind === 'restore-backup-in-place') {
    // The guest of a backup may be gone (its archive restores all the same): planned apart.
    const plan = await planBackupRestore(deps, operation);
    await markRunning(deps, input, plan.steps, plan.planned);
    return plan.steps;
  }
  const ref = parseGuestId(operation.guestId);
  const guest = ref ? await deps.store.guests.get(input.tenantId, ref.clusterId, ref.vmid) : undefined;
  if (!guest) throw new NotFoundError('guest', operation.guestId);
  const on = { node: guest.node, guestType: guest.type, vmid: guest.vmid } as const;
  const call = <C extends ConnectorCommand>(command: C) =>
    callProxmox(deps.proxmox, { tenantId: input.tenantId, clusterId: guest.clusterId, command });
  const step = (label: string, command: ConnectorCommand): OperationStep => ({
    tenantId: input.tenantId,
    clusterId: guest.clusterId,
    label,
    command,
  });
  const steps: OperationStep[] = [];
  let planned: NonNullable<Operation['planned']> = {};
  const { request } = operation;
  switch (operation.kind) {
    case 'snapshot':
      steps.push(
        step(`take snapshot ${operation.snapshotName}`, {
          type: 'createSnapshot',
          ...on,
          name: operation.snapshotName,
          ...(request.description ? { description: request.description } : {}),
          vmstate: Boolean(request.includeMemory) && guest.type === 'qemu',
        }),
      );
      break;
    case 'delete-snapshot':
      steps.push(
        step(`delete snapshot ${operation.snapshotName}`, {
          type: 'deleteSnapshot',
          ...on,
          name: operation.snapshotName,
        }),
      );
      break;
    case 'restore-in-place': {
      const snapshots = await call({ type: 'listSnapshots', ...on });
      const snapshot = snapshots.find((entry) => entry.name === operation.snapshotName);
      if (!snapshot) throw new NotFoundError('snapshot', operation.snapshotName);
      const status = await call({ type: 'guestStatus', ...on });
      const wasRunning = status.status === 'running';
      if (request.safetySnapshot !== false) {
        // Named after the operation: a re-planned operation names the same safety snapshot.
        const safety = handSnapshotName(
          'safety',
          Date.parse(operation.createdAt),
          operationNameSuffix(operation.id),
        );
        planned = { safetySnapshot: safety };
        steps.push(
          step(`take safety snapshot ${safety}`, {
            type: 'createSnapshot',
            ...on,
            name: safety,
            description: `before restoring ${snapshot.name}`,
          }),
        );
      }
      if (wasRunning && !snapshot.vmstate) steps.push(step('stop the guest', { type: 'stopGuest', ...on }));
      const start = request.start ?? (wasRunning && !snapshot.vmstate);
      steps.push(
        step(`roll back to ${snapshot.name}`, {
          type: 'rollbackSnapshot',
          ...on,
          name: snapshot.name,
          ...(start ? { start: true } : {}),
        }),
      );
      break;
    }
    case 'restore-new-guest': {
      const newid = request.newGuest?.vmid ?? (await call({ type: 'nextVmid' })).vmid;
      planned = { newGuestId: formatGuestId({ clusterId: guest.clusterId, vmid: newid }) };
      const target = {
        node: request.newGuest?.node ?? guest.node,
        guestType: guest.type,
        vmid: newid,
      } as const;
      steps.push(
        step(`clone ${operation.snapshotName} into ${newid}`, {
          type: 'clone',
          ...on,
          newid,
          snapname: operation.snapshotName,
          full: true,
          ...(request.newGuest?.name ? { name: request.newGuest.name } : {}),
          ...(request.newGuest?.node ? { target: request.newGuest.node } : {}),
          ...(request.newGuest?.storage ? { storage: request.newGuest.storage } : {}),
          ...(request.newGuest?.pool ? { pool: request.newGuest.pool } : {}),
        }),
      );
      // Proxmox's clone copies the snapshot's config, tags included; without them the copy joins
      // no tag-selected policy by accident. (Deleting tags that are not set is harmless.)
      if (!request.newGuest?.copyTags)
        steps.push(step(`remove the tags copied to ${newid}`, { type: 'clearTags', ...target }));
      if (request.start) steps.push(step(`start ${newid}`, { type: 'startGuest', ...target }));
      break;
    }
  }
  await markRunning(deps, input, steps, planned);
  return steps;
}

async function markRunning(
  deps: ServiceDeps,
  input: { tenantId: string; operationId: string },
  steps: readonly OperationStep[],
  planned: NonNullable<Operation['planned']>,
): Promise<void> {
  await deps.store.operations.update(input.tenantId, input.operationId, {
    status: 'running',
    steps: steps.map((entry) => entry.label),
    startedAt: new Date(deps.now()).toISOString(),
    ...(Object.keys(planned).length > 0 ? { planned } : {}),
  });
}
