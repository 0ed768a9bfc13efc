import { formatGuestId } from '#shared/domain/guest-id.ts';
import { runGuestRefusal } from '#shared/domain/plans/run-guest-quota.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { type KnownProfile, type PlanDeps, tenantPlan } from './tenant-plan.ts';
import { heldSnapshots, tenantBackupBytes } from './tenant-usage.ts';

/**
 * A run's pre-flight for one guest: throws the plan's refusal (PlanFeatureError or
 * QuotaExceededError, recorded as the guest skipped with reason `quota`) before the command
 * reaches Proxmox. Reads only what the command's quotas need, and nothing for unlimited ones.
 */
export async function refuseOverPlan(
  deps: PlanDeps,
  tenantId: string,
  clusterId: string,
  command: ConnectorCommand,
  known?: KnownProfile,
): Promise<void> {
  if (command.type !== 'createSnapshot' && command.type !== 'vzdump') return;
  const { name, plan } = await tenantPlan(deps, tenantId, known);
  const guestId = formatGuestId({ clusterId, vmid: command.vmid });
  const { quotas } = plan;
  const counts =
    command.type === 'createSnapshot' ? quotas.snapshotsPerGuest !== null : plan.features.backups;
  const bytesCounted = quotas.backupBytes !== null || quotas.backupBytesPerStorage !== null;
  let usage = { snapshotsHeld: 0, backupBytes: 0, backupBytesOnStorage: 0, backupEstimate: 1 };
  if (counts && command.type === 'createSnapshot') {
    usage = { ...usage, snapshotsHeld: heldSnapshots(await deps.store.snapshots.list(tenantId, guestId)) };
  } else if (counts && bytesCounted && command.type === 'vzdump') {
    // The tenant's counter and the guest's own archives (the estimate) at once: both are reads.
    const [bytes, archives] = await Promise.all([
      tenantBackupBytes(deps, tenantId),
      deps.store.backups.listForGuest(tenantId, guestId),
    ]);
    const latest = archives
      .filter((backup) => backup.status === 'created' && backup.size)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    usage = {
      ...usage,
      backupBytes: bytes.total,
      backupBytesOnStorage: bytes.byStorage.get(command.storage) ?? 0,
      backupEstimate: latest?.size ?? 1,
    };
  }
  const refusal = runGuestRefusal(name, plan, command, usage, guestId);
  if (refusal) throw refusal;
}
