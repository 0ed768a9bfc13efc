import type { AuditContext, AuditEvent, AuditOutcome } from '#shared/domain/audit.ts';
import { ForbiddenError } from '#shared/domain/errors.ts';
import { hasPermission, leastRoleFor, type Permission, type Role } from '#shared/domain/roles.ts';
import type { ServiceDeps } from './service-deps.ts';

export interface AuditFacts {
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly outcome?: AuditOutcome;
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
  readonly reason?: string;
}

/** Builds the audit event for an action of the caller, at the current time. */
export function auditEvent(deps: ServiceDeps, context: AuditContext, facts: AuditFacts): AuditEvent {
  return {
    id: deps.ids.next('aud'),
    tenantId: context.principal.tenantId,
    at: new Date(deps.now()).toISOString(),
    actor: context.principal.subject,
    role: context.principal.role,
    requestId: context.requestId,
    outcome: 'success',
    ...facts,
  };
}

/**
 * Lets the call through when the caller's role has the permission; otherwise records the
 * denial in the audit trail and throws {@link ForbiddenError}.
 */
export async function authorize(
  deps: ServiceDeps,
  context: AuditContext,
  permission: Permission,
  facts: Pick<AuditFacts, 'action' | 'resourceType' | 'resourceId'>,
): Promise<void> {
  if (hasPermission(context.principal.role, permission)) return;
  await deny(deps, context, leastRoleFor(permission), facts);
}

/** Records a refusal in the audit trail and throws {@link ForbiddenError} naming the role the action needs. */
export async function deny(
  deps: ServiceDeps,
  context: AuditContext,
  needed: Role,
  facts: Pick<AuditFacts, 'action' | 'resourceType' | 'resourceId'>,
): Promise<never> {
  const { role } = context.principal;
  await deps.store.audit.record(
    auditEvent(deps, context, {
      ...facts,
      outcome: 'denied',
      reason: `${facts.action} needs the ${needed} role; the caller is ${role}`,
    }),
  );
  throw new ForbiddenError(`${facts.action} needs the ${needed} role (or higher); your role is ${role}`, {
    requiredRole: needed,
  });
}
