import type { TenantProfile } from '#shared/adapters/dynamo/tenant-store.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { assertVersion, NotFoundError, StaleWriteError, ValidationError } from '#shared/domain/errors.ts';
import { timeZoneIssues } from '#shared/domain/policy.ts';
import { auditEvent, authorize } from '../audit-trail.ts';
import { retryStaleWrites } from '../retry-stale-writes.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** What a tenant admin may change of the tenant's profile. */
export interface TenantSettingsInput {
  /** Given to a policy created without a time zone. */
  readonly timezone: string;
  /** Opt-in: publish `guest.unprotected` when a sync finds a new guest no enabled policy covers. */
  readonly unprotectedGuestEvents: boolean;
  /** The storage guard's default threshold (percent); null or absent: none. */
  readonly storageGuardPercent?: number | null | undefined;
}

/** The tenant's settings as the API shows them (the plan is the operator's, read-only). */
export function settingsView(profile: TenantProfile) {
  const { id: _id, createdAt: _c, ...view } = profile;
  return view;
}

async function load(deps: ServiceDeps, tenantId: string): Promise<TenantProfile> {
  const profile = await deps.store.tenants.get(tenantId);
  // Every request creates the profile first: missing means it was removed under our feet.
  if (!profile) throw new NotFoundError('tenant settings', tenantId);
  return profile;
}

export async function getSettings(deps: ServiceDeps, context: AuditContext): Promise<TenantProfile> {
  return await load(deps, context.principal.tenantId);
}

/**
 * Changes the tenant's settings. `build` gets the current settings and returns the new ones (a
 * PUT body, or a merge patch applied); they are checked before anything is written. Without
 * `expectedVersion` a concurrent change makes it read and apply again.
 */
export async function updateSettings(
  deps: ServiceDeps,
  context: AuditContext,
  build: (current: TenantSettingsInput) => TenantSettingsInput,
  expectedVersion?: number,
): Promise<TenantProfile> {
  const tenantId = context.principal.tenantId;
  await authorize(deps, context, 'manage', {
    action: 'settings.update',
    resourceType: 'settings',
    resourceId: tenantId,
  });
  const once = async () => {
    const before = await load(deps, tenantId);
    assertVersion('settings', before.version, expectedVersion);
    const input = build({
      timezone: before.timezone,
      unprotectedGuestEvents: before.unprotectedGuestEvents,
      storageGuardPercent: before.storageGuardPercent,
    });
    const issues = timeZoneIssues(input.timezone, 'timezone');
    if (issues.length > 0) throw new ValidationError(issues);
    const { storageGuardPercent: _previous, ...kept } = before;
    const after: TenantProfile = {
      ...kept,
      timezone: input.timezone,
      unprotectedGuestEvents: input.unprotectedGuestEvents,
      ...(typeof input.storageGuardPercent === 'number'
        ? { storageGuardPercent: input.storageGuardPercent }
        : {}),
      updatedAt: new Date(deps.now()).toISOString(),
      version: before.version + 1,
    };
    if (!(await deps.store.tenants.replace(after, before.version)))
      throw new StaleWriteError(`the settings changed while this request read them`);
    await deps.store.audit.record(
      auditEvent(deps, context, {
        action: 'settings.update',
        resourceType: 'settings',
        resourceId: tenantId,
        before: auditSummary(settingsView(before)),
        after: auditSummary(settingsView(after)),
      }),
    );
    return after;
  };
  return expectedVersion === undefined ? await retryStaleWrites(once) : await once();
}
