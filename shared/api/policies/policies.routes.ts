import { createRoute, z } from '@hono/zod-openapi';
import { NOT_INCLUDED_REASONS } from '#shared/services/policy-targets.ts';
import { GuestSchema } from '../guests/guests.routes.ts';
import { scheduleWriteError } from '../scheduled-resource.ts';
import {
  commonErrors,
  etagHeader,
  IdempotencyHeader,
  IfMatchHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  staleVersionError,
} from '../schemas.ts';
import { NextRunsSchema, PolicyInputSchema, PolicyPatchSchema, PolicySchema } from './policies.schemas.ts';

const tags = ['Policies'];

const PolicyParams = z.object({ policyId: idParam('policyId', 'pol') });
const NextRunsQuery = z.object({ count: z.coerce.number().int().min(1).max(100).default(5) });

export const createPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies',
  tags,
  summary: 'Create a policy (admin)',
  ...requires('admin', 'policy.create'),
  request: { headers: IdempotencyHeader, body: { content: json(PolicyInputSchema), required: true } },
  responses: {
    201: { description: 'Created', content: json(PolicySchema), headers: etagHeader('policy') },
    ...commonErrors,
    409: { description: 'A policy with this name exists', content: problemContent },
    422: {
      description:
        'Idempotency-Key reused with another body, or the selector names a guest the inventory does not know',
      content: problemContent,
    },
    ...scheduleWriteError,
  },
});

export const listPoliciesRoute = createRoute({
  method: 'get',
  path: '/v1/policies',
  tags,
  summary: 'List policies',
  request: { query: PageQuery },
  responses: {
    200: { description: 'One page of policies', content: json(pageOf(PolicySchema, 'PolicyPage')) },
    ...commonErrors,
  },
});

export const getPolicyRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{policyId}',
  tags,
  summary: 'Get a policy',
  request: { params: PolicyParams },
  responses: {
    200: { description: 'The policy', content: json(PolicySchema), headers: etagHeader('policy') },
    ...commonErrors,
  },
});

export const updatePolicyRoute = createRoute({
  method: 'patch',
  path: '/v1/policies/{policyId}',
  tags,
  summary: 'Change a policy with a JSON Merge Patch (admin)',
  ...requires('admin', 'policy.update'),
  request: {
    params: PolicyParams,
    headers: IfMatchHeader,
    body: {
      content: json(PolicyPatchSchema),
      required: true,
      description: 'Also accepted as application/merge-patch+json',
    },
  },
  responses: {
    200: { description: 'The changed policy', content: json(PolicySchema), headers: etagHeader('policy') },
    ...commonErrors,
    409: { description: 'A policy with this name exists', content: problemContent },
    ...staleVersionError,
    422: { description: 'The selector names a guest the inventory does not know', content: problemContent },
    ...scheduleWriteError,
  },
});

export const deletePolicyRoute = createRoute({
  method: 'delete',
  path: '/v1/policies/{policyId}',
  tags,
  summary: 'Delete a policy (admin)',
  ...requires('admin', 'policy.delete'),
  request: { params: PolicyParams, headers: IfMatchHeader },
  responses: {
    204: { description: 'Deleted' },
    ...commonErrors,
    ...staleVersionError,
    ...scheduleWriteError,
  },
});

export const nextRunsRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{policyId}/next-runs',
  tags,
  summary: 'The next scheduled times, in the policy\u2019s time zone and in UTC',
  request: {
    params: PolicyParams,
    query: NextRunsQuery,
  },
  responses: { 200: { description: 'Upcoming runs', content: json(NextRunsSchema) }, ...commonErrors },
});

export const checkPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies/validate',
  tags,
  summary:
    'Check a policy as it would be created, writing nothing, and answer its next runs (for editors that check as you type)',
  ...requires('viewer', 'policy.validate'),
  request: { query: NextRunsQuery, body: { content: json(PolicyInputSchema), required: true } },
  responses: {
    200: { description: 'The draft passes; its next scheduled times', content: json(NextRunsSchema) },
    ...commonErrors,
    422: { description: 'The selector names a guest the inventory does not know', content: problemContent },
  },
});

export const policyTargetsRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{policyId}/targets',
  tags,
  summary: 'The guests the policy would snapshot now, and why each other guest is not included',
  request: { params: PolicyParams },
  responses: {
    200: {
      description: 'Targets from the last inventory sync',
      content: json(
        z
          .object({
            targets: z.array(
              GuestSchema.extend({
                note: z.string().optional().openapi({
                  description:
                    'Where the policy does not apply as written, e.g. includeMemory on a container',
                }),
              }),
            ),
            notIncluded: z.array(
              z.object({
                guest: GuestSchema,
                reason: z.enum(NOT_INCLUDED_REASONS),
                detail: z.string().optional(),
              }),
            ),
          })
          .openapi('PolicyTargets'),
      ),
    },
    ...commonErrors,
  },
});

export const retentionPreviewRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{policyId}/retention-preview',
  tags,
  summary: 'What the retention rule would keep and delete now, per guest, with reasons (changes nothing)',
  request: {
    params: PolicyParams,
    query: z.object({
      guestId: z.string().min(1).max(120).optional().openapi({
        description: 'Only this guest (id or `<cluster>/<vmid>`); 404 when the inventory does not know it',
      }),
    }),
  },
  responses: {
    200: {
      description: 'Per guest, every snapshot of this policy newest first',
      content: json(
        z
          .object({
            guests: z.array(
              z.object({
                guestId: z.string(),
                snapshots: z.array(
                  z.object({ name: z.string(), time: z.string(), keep: z.boolean(), reason: z.string() }),
                ),
              }),
            ),
          })
          .openapi('RetentionPreview'),
      ),
    },
    ...commonErrors,
  },
});
