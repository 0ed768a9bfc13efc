import { createRoute, z } from '@hono/zod-openapi';
import { GuestSchema } from '../guests/guests.routes.ts';
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
  staleVersionError,
} from '../schemas.ts';
import { NextRunsSchema, PolicyPatchSchema, PolicySchema, PolicySpecSchema } from './policies.schemas.ts';

const tags = ['Policies'];
const PolicyParams = z.object({ policyId: idParam('policyId', 'pol') });

export const createPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies',
  tags,
  summary: 'Create a policy (admin)',
  request: { headers: IdempotencyHeader, body: { content: json(PolicySpecSchema), required: true } },
  responses: {
    201: { description: 'Created', content: json(PolicySchema), headers: etagHeader('policy') },
    ...commonErrors,
    409: { description: 'A policy with this name exists', content: problemContent },
    422: { description: 'Idempotency-Key reused with another body', content: problemContent },
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
  },
});

export const deletePolicyRoute = createRoute({
  method: 'delete',
  path: '/v1/policies/{policyId}',
  tags,
  summary: 'Delete a policy (admin)',
  request: { params: PolicyParams, headers: IfMatchHeader },
  responses: {
    204: { description: 'Deleted' },
    ...commonErrors,
    ...staleVersionError,
  },
});

export const nextRunsRoute = createRoute({
  method: 'get',
  path: '/v1/policies/{policyId}/next-runs',
  tags,
  summary: 'The next scheduled times, in the policy\u2019s time zone and in UTC',
  request: {
    params: PolicyParams,
    query: z.object({ count: z.coerce.number().int().min(1).max(100).default(5) }),
  },
  responses: { 200: { description: 'Upcoming runs', content: json(NextRunsSchema) }, ...commonErrors },
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
                reason: z.enum([
                  'template',
                  'gone',
                  'not-selected',
                  'excluded-by-selector',
                  'excluded',
                  'wrong-cluster',
                ]),
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
    query: z.object({ guestId: z.string().max(80).optional().openapi({ description: 'Only this guest' }) }),
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
