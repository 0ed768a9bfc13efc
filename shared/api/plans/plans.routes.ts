import { createRoute, z } from '@hono/zod-openapi';
import { PLAN_FEATURES, QUOTA_NAMES } from '#shared/domain/plans/plan.ts';
import { commonErrors, json, problemContent } from '../schemas.ts';
import { OPERATOR_PREFIX, OPERATOR_SCOPE } from './operator-scope.ts';

const QuotaUsageSchema = z
  .object({
    used: z.number(),
    limit: z.number().nullable().openapi({ description: 'null: unlimited' }),
    exceeded: z.boolean().openapi({
      description: 'Over the limit (after a downgrade): nothing is deleted, new work of this kind is refused',
    }),
    where: z
      .string()
      .optional()
      .openapi({ description: 'The guest or storage with the most, for a per-guest or per-storage quota' }),
  })
  .openapi('QuotaUsage');

const UsageSchema = z
  .object({
    plan: z.string(),
    features: z.object(Object.fromEntries(PLAN_FEATURES.map((feature) => [feature, z.boolean()]))),
    minScheduleIntervalMinutes: z.number().int(),
    maxRetention: z.number().int().nullable(),
    quotas: z.object(Object.fromEntries(QUOTA_NAMES.map((quota) => [quota, QuotaUsageSchema]))),
    backupBytesByStorage: z.array(z.object({ storage: z.string(), bytes: z.number() })),
  })
  .openapi('Usage');

export const getUsageRoute = createRoute({
  method: 'get',
  path: '/v1/usage',
  tags: ['Plans'],
  summary: 'The tenant\u2019s plan and its use of each quota',
  responses: { 200: { description: 'Use against each limit', content: json(UsageSchema) }, ...commonErrors },
});

const PlanChangeSchema = z.strictObject({ plan: z.string().min(1).max(32) }).openapi('PlanChange');
const PlanChangedSchema = z
  .object({ tenantId: z.string(), plan: z.string(), previous: z.string() })
  .openapi('PlanChanged');

const TenantIdParams = z.object({ tenantId: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/) });
const TenantPlanSchema = z.object({ tenantId: z.string(), plan: z.string() }).openapi('TenantPlan');
const operatorRefusals = {
  401: { description: 'No valid token' },
  403: { description: 'Not the operator\u2019s credential (a tenant token)', content: problemContent },
  404: {
    description: 'No such tenant (it comes into being with its first request)',
    content: problemContent,
  },
} as const;

export const getTenantPlanRoute = createRoute({
  method: 'get',
  path: `${OPERATOR_PREFIX}/tenants/{tenantId}/plan`,
  tags: ['Operator'],
  summary: `A tenant\u2019s plan (service operator: scope ${OPERATOR_SCOPE})`,
  'x-required-scope': OPERATOR_SCOPE,
  request: { params: TenantIdParams },
  responses: {
    200: { description: 'The tenant\u2019s plan', content: json(TenantPlanSchema) },
    ...operatorRefusals,
  },
});

export const putTenantPlanRoute = createRoute({
  method: 'put',
  path: `${OPERATOR_PREFIX}/tenants/{tenantId}/plan`,
  tags: ['Operator'],
  summary: `Put a tenant on a plan (service operator: scope ${OPERATOR_SCOPE})`,
  'x-required-scope': OPERATOR_SCOPE,
  'x-audit-action': 'tenant.set-plan',
  description:
    'Audited in the tenant\u2019s trail as `tenant.set-plan`. Nothing is deleted: over a smaller plan\u2019s quotas the tenant keeps what it has and new work is refused.',
  request: {
    params: TenantIdParams,
    body: { content: json(PlanChangeSchema), required: true },
  },
  responses: {
    200: { description: 'The tenant\u2019s new plan', content: json(PlanChangedSchema) },
    400: { description: 'Not a plan the deployment knows', content: problemContent },
    ...operatorRefusals,
  },
});
