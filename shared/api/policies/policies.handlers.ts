import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Guest } from '#shared/domain/guest.ts';
import type { PolicySpec } from '#shared/domain/policy.ts';
import {
  checkPolicyDraft,
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
import { requestContext } from '../request-context.ts';
import { mergePatchOnto } from '../scheduled-resource.ts';
import * as routes from './policies.routes.ts';
import { PolicySpecSchema } from './policies.schemas.ts';

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

  app.openapi(routes.checkPolicyRoute, async (c) => {
    const context = requestContext(c);
    const input = c.req.valid('json');
    const timezone = input.schedule.timezone ?? (await getSettings(deps, context)).timezone;
    const draft = { ...input, schedule: { ...input.schedule, timezone } };
    return c.json(await checkPolicyDraft(deps, context, draft, c.req.valid('query').count), 200);
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
      mergePatchOnto<PolicySpec>(PolicySpecSchema, patch),
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
