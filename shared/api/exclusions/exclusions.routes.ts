import { createRoute, z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { GuestReference } from '../guests/guests.routes.ts';
import {
  commonErrors,
  IdempotencyHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  safeText,
} from '../schemas.ts';

const tags = ['Exclusions'];

const GuestId = GuestReference.openapi({
  description: 'The guest: its id or `<cluster name>/<vmid>` (stored as its id)',
});
const PolicyId = z.string().regex(ID_PATTERN, 'must be a policy id as returned by the API');

const ExclusionInputSchema = z
  .strictObject({
    guestId: GuestId,
    policyId: PolicyId.optional().openapi({ description: 'Absent: excluded from every policy' }),
    reason: safeText(z.string().trim().min(1).max(500)),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'When the exclusion stops applying' }),
  })
  .openapi('ExclusionInput');

const ExclusionSchema = z
  .object({
    id: z.string(),
    guestId: z.string(),
    policyId: z.string().optional(),
    reason: z.string(),
    expiresAt: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('Exclusion');

export const createExclusionRoute = createRoute({
  method: 'post',
  path: '/v1/exclusions',
  tags,
  summary: 'Exclude a guest from a policy or from all policies (admin)',
  ...requires('admin', 'exclusion.create'),
  request: { headers: IdempotencyHeader, body: { content: json(ExclusionInputSchema), required: true } },
  responses: {
    201: { description: 'Created', content: json(ExclusionSchema) },
    ...commonErrors,
    422: {
      description: 'The guest is not in the inventory, or the policy does not exist (each named)',
      content: problemContent,
    },
  },
});

export const listExclusionsRoute = createRoute({
  method: 'get',
  path: '/v1/exclusions',
  tags,
  summary: 'List exclusions in force (expired ones are left out)',
  request: { query: PageQuery.extend({ guestId: GuestId.optional(), policyId: PolicyId.optional() }) },
  responses: {
    200: { description: 'One page', content: json(pageOf(ExclusionSchema, 'ExclusionPage')) },
    ...commonErrors,
  },
});

export const deleteExclusionRoute = createRoute({
  method: 'delete',
  path: '/v1/exclusions/{exclusionId}',
  tags,
  summary: 'Remove an exclusion (admin)',
  ...requires('admin', 'exclusion.delete'),
  request: { params: z.object({ exclusionId: idParam('exclusionId', 'exc') }) },
  responses: { 204: { description: 'Removed' }, ...commonErrors },
});
