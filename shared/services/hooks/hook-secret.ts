import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { WebhookSecrets } from '#shared/domain/notifications/subscription.ts';
import { newWebhookSecret } from '#shared/domain/notifications/webhook-signature.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { ServiceDeps } from '../service-deps.ts';

type SecretDeps = Pick<ServiceDeps, 'store' | 'ids' | 'now'> & { readonly hookSecrets: SecretStore };

/** A policy's hook signing secrets (current only: a new one replaces it at once), if it has one. */
export async function hookSecretOf(
  deps: SecretDeps,
  tenantId: string,
  policyId: string,
): Promise<WebhookSecrets | undefined> {
  const record = await deps.store.hookCalls.secret(tenantId, policyId);
  if (!record) return undefined;
  return JSON.parse(await deps.hookSecrets.get(record.secretRef)) as WebhookSecrets;
}

/**
 * A new signing secret for the policy's HTTPS hooks, returned once and never again:
 * 1. checks the policy exists in the caller's tenant;
 * 2. writes the secret under a name of its own (`hook-<tenant>-<policy>-<id>`);
 * 3. points the policy at it, audits `policy.hook-secret`, then deletes the one it replaced.
 */
export async function createHookSecret(
  deps: SecretDeps,
  context: AuditContext,
  policyId: string,
): Promise<{ secret: string }> {
  const tenantId = context.principal.tenantId;
  if (!(await deps.store.policies.get(tenantId, policyId))) throw new NotFoundError('policy', policyId);
  const previous = await deps.store.hookCalls.secret(tenantId, policyId);
  const secret = newWebhookSecret();
  const secretRef = await deps.hookSecrets.put(
    `hook-${tenantId}-${policyId}-${deps.ids.next('sec')}`,
    JSON.stringify({ current: secret } satisfies WebhookSecrets),
  );
  const at = new Date(deps.now()).toISOString();
  await deps.store.hookCalls.setSecret({ tenantId, id: policyId, secretRef, createdAt: at });
  await deps.store.audit.record({
    id: deps.ids.next('aud'),
    tenantId,
    at,
    actor: context.principal.subject,
    role: context.principal.role,
    action: 'policy.hook-secret',
    resourceType: 'policy',
    resourceId: policyId,
    outcome: 'success',
    requestId: context.requestId,
  });
  if (previous) await deps.hookSecrets.delete(previous.secretRef).catch(() => undefined);
  return { secret };
}
