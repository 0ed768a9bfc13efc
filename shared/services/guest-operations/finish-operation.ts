import { NotFoundError } from '#shared/domain/errors.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { Operation } from '#shared/domain/operation.ts';
import { errorText, type GuestOutcome } from '../policy-run/record-result.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * Last step of a guest operation: records how it ended (with Proxmox's text on failure) and
 * updates the guest's snapshot records: a manual snapshot is recorded (never pruned by a
 * policy), a deleted one is removed.
 */
export async function finishOperation(
  deps: ServiceDeps,
  input: {
    tenantId: string;
    operationId: string;
    outcome: 'succeeded' | 'failed';
    error?: GuestOutcome['error'];
  },
): Promise<{ status: string }> {
  const operation = await deps.store.operations.get(input.tenantId, input.operationId);
  if (!operation) throw new NotFoundError('operation', input.operationId);
  const finishedAt = new Date(deps.now()).toISOString();
  if (input.outcome === 'failed') {
    const failure = errorText(input.error);
    await publishRestoreOutcome(deps, operation, failure.text);
    await deps.store.operations.update(input.tenantId, input.operationId, {
      status: 'failed',
      finishedAt,
      error: failure.text,
      errorType: failure.type,
    });
    return { status: 'failed' };
  }
  if (operation.kind === 'snapshot') {
    await deps.store.snapshots.put({
      tenantId: operation.tenantId,
      guestId: operation.guestId,
      name: operation.snapshotName,
      status: 'created',
      manual: true,
      vmstate: Boolean(operation.request.includeMemory),
      createdAt: finishedAt,
      ...(operation.request.description ? { description: operation.request.description } : {}),
    });
  }
  if (operation.kind === 'delete-snapshot') {
    await deps.store.snapshots.delete(operation.tenantId, operation.guestId, operation.snapshotName);
  }
  await deps.store.operations.update(input.tenantId, input.operationId, { status: 'succeeded', finishedAt });
  await publishRestoreOutcome(deps, operation);
  return { status: 'succeeded' };
}

/** Restores report `restore.succeeded` / `restore.failed`; other operations publish nothing. */
async function publishRestoreOutcome(deps: ServiceDeps, operation: Operation, error?: string): Promise<void> {
  if (operation.kind !== 'restore-in-place' && operation.kind !== 'restore-new-guest') return;
  await deps.events.publish([
    domainEvent({
      tenantId: operation.tenantId,
      type: error === undefined ? 'restore.succeeded' : 'restore.failed',
      subject: operation.id,
      time: deps.now(),
      data: {
        operationId: operation.id,
        kind: operation.kind,
        guestId: operation.guestId,
        snapshotName: operation.snapshotName,
        requestedBy: operation.requestedBy,
        ...(operation.result ? { result: operation.result } : {}),
        ...(error !== undefined ? { error } : {}),
      },
    }),
  ]);
}
