import { auditSummary } from '#shared/domain/audit.ts';
import { formatBackupId } from '#shared/domain/backup/backup-record.ts';
import { auditEvent } from '../audit-trail.ts';
import { errorText } from '../policy-run/record-result.ts';
import { DELETED_RECORD_DAYS, type PruneOutcome } from '../retention/record-prune.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Records how retention's deletion of an archive ended, audited like snapshot pruning
 * (`backup.prune`, actor `system:retention`): the backup record is marked `deleted` with the
 * reason and who deleted it; a failed deletion keeps the record a candidate with Proxmox's text.
 * Recording twice (a retried step) changes nothing.
 */
export async function recordBackupPrune(
  deps: ServiceDeps,
  input: PruneOutcome,
): Promise<{ recorded: boolean }> {
  const { deletion } = input;
  const id = formatBackupId(deletion.guestId, deletion.volid ?? '');
  const record = await deps.store.backups.get(deletion.tenantId, deletion.guestId, id);
  if (!record || record.status === 'deleted') return { recorded: false };
  const at = new Date(deps.now()).toISOString();
  const context = {
    principal: { tenantId: deletion.tenantId, subject: 'system:retention', role: 'admin' as const },
    requestId: deletion.by,
  };
  const facts = { action: 'backup.prune', resourceType: 'guest', resourceId: deletion.guestId };
  if (input.outcome !== 'failed') {
    const deleted = {
      ...record,
      status: 'deleted' as const,
      deletedAt: at,
      deletedBy: deletion.by,
      deleteReason: deletion.reason,
    };
    await deps.store.backups.put(deleted, {
      ttl: Math.floor(deps.now() / 1000) + DELETED_RECORD_DAYS * 86_400,
    });
    await deps.store.audit.record(
      auditEvent(deps, context, {
        ...facts,
        before: auditSummary(record),
        after: auditSummary(deleted),
        reason: `${deletion.reason} by the retention of policy ${deletion.policyId}${input.outcome === 'gone' ? ' (already gone from the storage)' : ''}`,
      }),
    );
    return { recorded: true };
  }
  const failure = input.taskStatus?.exitstatus
    ? { text: input.taskStatus.exitstatus }
    : errorText(input.error);
  await deps.store.backups.put({
    ...record,
    pruneError: failure.text,
    pruneAttempts: (record.pruneAttempts ?? 0) + 1,
  });
  await deps.store.audit.record(
    auditEvent(deps, context, {
      ...facts,
      outcome: 'failure',
      reason: `deleting ${deletion.volid} (${deletion.reason}) failed, tried again next time: ${failure.text}`,
    }),
  );
  return { recorded: true };
}
