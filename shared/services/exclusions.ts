import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import {
  type FieldIssue,
  NotFoundError,
  UnknownReferenceError,
  ValidationError,
} from '#shared/domain/errors.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { findGuest } from './guest-reference.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface ExclusionInput {
  readonly guestId: string;
  readonly policyId?: string;
  readonly reason: string;
  readonly expiresAt?: string;
}

/**
 * Excludes a guest from one policy or all; an expiry must lie in the future. The guest (by id
 * or `<cluster>/<vmid>`) must be in the inventory and the policy must exist: otherwise 422
 * naming each unknown one. The exclusion stores the guest's canonical id.
 */
export async function createExclusion(
  deps: ServiceDeps,
  context: AuditContext,
  input: ExclusionInput,
): Promise<Exclusion> {
  const id = deps.ids.next('exc');
  await authorize(deps, context, 'manage', {
    action: 'exclusion.create',
    resourceType: 'exclusion',
    resourceId: id,
  });
  if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= deps.now()) {
    throw ValidationError.single('expiresAt', 'expiry.future', 'expiresAt must be in the future');
  }
  const tenantId = context.principal.tenantId;
  const [guest, policy] = await Promise.all([
    findGuest(deps, tenantId, input.guestId),
    input.policyId !== undefined ? deps.store.policies.get(tenantId, input.policyId) : undefined,
  ]);
  const unknown: FieldIssue[] = [];
  if (!guest)
    unknown.push({
      path: 'guestId',
      rule: 'reference.exists',
      message: `no guest '${input.guestId}' in the inventory (sync its cluster if the guest is new)`,
    });
  if (input.policyId !== undefined && !policy)
    unknown.push({
      path: 'policyId',
      rule: 'reference.exists',
      message: `policy '${input.policyId}' does not exist`,
    });
  if (!guest || unknown.length > 0) throw new UnknownReferenceError(unknown);
  const exclusion: Exclusion = {
    id,
    tenantId,
    guestId: guest.id,
    ...(input.policyId !== undefined ? { policyId: input.policyId } : {}),
    reason: input.reason,
    ...(input.expiresAt !== undefined ? { expiresAt: new Date(input.expiresAt).toISOString() } : {}),
    createdAt: new Date(deps.now()).toISOString(),
    createdBy: context.principal.subject,
  };
  await deps.store.exclusions.create(exclusion, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action: 'exclusion.create',
        resourceType: 'exclusion',
        resourceId: id,
        after: auditSummary(exclusion),
      }),
    ),
  ]);
  return exclusion;
}

export async function deleteExclusion(
  deps: ServiceDeps,
  context: AuditContext,
  exclusionId: string,
): Promise<void> {
  await authorize(deps, context, 'manage', {
    action: 'exclusion.delete',
    resourceType: 'exclusion',
    resourceId: exclusionId,
  });
  const exclusion = await deps.store.exclusions.get(context.principal.tenantId, exclusionId);
  if (!exclusion) throw new NotFoundError('exclusion', exclusionId);
  await deps.store.exclusions.remove(exclusion, [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        action: 'exclusion.delete',
        resourceType: 'exclusion',
        resourceId: exclusionId,
        before: auditSummary(exclusion),
      }),
    ),
  ]);
}
