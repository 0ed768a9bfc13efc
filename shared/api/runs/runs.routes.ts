import { createRoute, z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { commonErrors, IdempotencyHeader, idParam, json, PageQuery, pageOf } from '../schemas.ts';

const STATUSES = ['pending', 'running', 'completed', 'partial', 'failed', 'skipped'] as const;

const RunSchema = z
  .object({
    id: z.string(),
    policyId: z.string(),
    policyName: z.string(),
    scheduledTime: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    status: z.enum(STATUSES),
    targets: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi('Run');

const ResultSchema = z
  .object({
    guestId: z.string(),
    vmid: z.number().int(),
    node: z.string(),
    snapshotName: z.string(),
    outcome: z.enum(['succeeded', 'failed']),
    error: z.string().optional().openapi({ description: 'Proxmox\u2019s own text' }),
    errorType: z.string().optional(),
    upid: z.string().optional(),
    finishedAt: z.string(),
  })
  .openapi('RunGuestResult');

export const runPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{policyId}/runs',
  tags: ['Runs'],
  summary: 'Run a policy now (operator); 202 with the run',
  request: { params: z.object({ policyId: idParam('policyId', 'pol') }), headers: IdempotencyHeader },
  responses: { 202: { description: 'Started', content: json(RunSchema) }, ...commonErrors },
});

export const listRunsRoute = createRoute({
  method: 'get',
  path: '/v1/runs',
  tags: ['Runs'],
  summary: 'Runs, newest first',
  request: {
    query: PageQuery.extend({
      policy: z.string().regex(ID_PATTERN).optional(),
      status: z.enum(STATUSES).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  responses: {
    200: { description: 'One page of runs', content: json(pageOf(RunSchema, 'RunPage')) },
    ...commonErrors,
  },
});

export const getRunRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{runId}',
  tags: ['Runs'],
  summary: 'A run with live counts and per-guest results',
  request: { params: z.object({ runId: idParam('runId', 'run') }) },
  responses: {
    200: {
      description: 'The run',
      content: json(RunSchema.extend({ results: z.array(ResultSchema) }).openapi('RunWithResults')),
    },
    ...commonErrors,
  },
});
