import type { Page } from '#shared/adapters/dynamo/table-access.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { Operation, OperationKind, OperationStatus } from '#shared/domain/operation.ts';
import { guestFilter } from '../guest-reference.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * The tenant's guest operations, newest first, optionally of one guest (by id or
 * `<cluster>/<vmid>`; a guest that does not exist has none), of one kind, in one status.
 */
export async function listOperations(
  deps: ServiceDeps,
  context: AuditContext,
  query: {
    guest?: string;
    kind?: OperationKind;
    status?: OperationStatus;
    limit: number;
    cursor?: string;
  },
): Promise<Page<Operation>> {
  const tenantId = context.principal.tenantId;
  const guest = query.guest !== undefined ? await guestFilter(deps, tenantId, query.guest) : undefined;
  if (guest && 'unknown' in guest) return { items: [] };
  return deps.store.operations.list(tenantId, {
    limit: query.limit,
    ...(guest ? { guestId: guest.guestId } : {}),
    ...(query.kind ? { kind: query.kind } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });
}
