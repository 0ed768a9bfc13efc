import type { OpenAPIHono } from '@hono/zod-openapi';
import { ValidationError } from '#shared/domain/errors.ts';
import type { Guest } from '#shared/domain/guest.ts';
import { applyMergePatch } from '#shared/domain/merge-patch.ts';
import type { PolicySpec } from '#shared/domain/policy.ts';
import {
  createPolicy,
  deletePolicy,
  getPolicy,
  type PolicyDeps,
  policyView,
  upcomingRuns,
  updatePolicy,
} from '#shared/services/policies.ts';
import { policyTargets } from '#shared/services/policy-targets.ts';
import { retentionPreview } from '#shared/services/retention/retention-preview.ts';
import { getSettings } from '#shared/services/tenants/tenant-settings.ts';

import type { ApiEnv } from '../api-env.ts';
import { etagOf, expectedVersion } from '../etag.ts';
import { issuesFromZod } from '../problem.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './policies.routes.ts';
import { PolicySpecSchema } from './policies.schemas.ts';

/** Validates a merged policy spec with the same contract as a POST body. */
function parseSpec(value: unknown): PolicySpec {
  const parsed = PolicySpecSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error, '', value));
  return parsed.data;
}

export function registerPolicyRoutes(app: OpenAPIHono<ApiEnv>, deps: PolicyDeps): void {
  // No route takes it as its body, but the contract names it: a PATCH's merged result must be one.
  app.openAPIRegistry.register('PolicySpec', PolicySpecSchema);
  app.openapi(routes.createPolicyRoute, async (c) => {
    const context = requestContext(c);
    const input = c.req.valid('json');
    const timezone = input.schedule.timezone ?? (await getSettings(deps, context)).timezone;
    const policy = await createPolicy(deps, context, { ...input, schedule: { ...input.schedule, timezone } });
    c.header('Location', `/v1/policies/${policy.id}`);
    c.header('ETag', etagOf(policy.version));
    return c.json(policyView(policy), 201);
  });

  app.openapi(routes.listPoliciesRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await deps.store.policies.list(requestContext(c).principal.tenantId, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      { items: page.items.map(policyView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) },
      200,
    );
  });

  app.openapi(routes.getPolicyRoute, async (c) => {
    const policy = await getPolicy(deps, requestContext(c), c.req.valid('param').policyId);
    c.header('ETag', etagOf(policy.version));
    return c.json(policyView(policy), 200);
  });

  app.openapi(routes.updatePolicyRoute, async (c) => {
    const patch = c.req.valid('json');
    const policy = await updatePolicy(
      deps,
      requestContext(c),
      c.req.valid('param').policyId,
      (current) => parseSpec(applyMergePatch(current, patch)),
      expectedVersion(c.req.valid('header')['if-match']),
    );
    c.header('ETag', etagOf(policy.version));
    return c.json(policyView(policy), 200);
  });

  app.openapi(routes.deletePolicyRoute, async (c) => {
    await deletePolicy(
      deps,
      requestContext(c),
      c.req.valid('param').policyId,
      expectedVersion(c.req.valid('header')['if-match']),
    );
    return c.body(null, 204);
  });

  app.openapi(routes.nextRunsRoute, async (c) => {
    const result = await upcomingRuns(
      deps,
      requestContext(c),
      c.req.valid('param').policyId,
      c.req.valid('query').count,
    );
    return c.json(result, 200);
  });

  app.openapi(routes.policyTargetsRoute, async (c) => {
    const { targets, notIncluded } = await policyTargets(
      deps,
      requestContext(c),
      c.req.valid('param').policyId,
    );
    const view = ({ tenantId: _tenantId, ...guest }: Guest) => guest;
    return c.json(
      {
        targets: targets.map(view),
        notIncluded: notIncluded.map((entry) => ({ ...entry, guest: view(entry.guest) })),
      },
      200,
    );
  });

  app.openapi(routes.retentionPreviewRoute, async (c) => {
    const previews = await retentionPreview(
      deps,
      requestContext(c),
      c.req.valid('param').policyId,
      c.req.valid('query').guestId,
    );
    return c.json(
      {
        guests: previews.map((preview) => ({
          guestId: preview.guestId,
          snapshots: preview.decisions.map(({ name, time, keep, reason }) => ({
            name,
            time: new Date(time).toISOString(),
            keep,
            reason,
          })),
        })),
      },
      200,
    );
  });
}
