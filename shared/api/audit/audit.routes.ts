import { createRoute, z } from '@hono/zod-openapi';
import { AUDIT_OUTCOMES } from '#shared/domain/audit.ts';
import { commonErrors, pageOf } from '../schemas.ts';

export const CSV_MAX_ROWS = 10_000;

const AuditEventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    role: z.string(),
    action: z.string().openapi({ example: 'policy.update' }),
    resourceType: z.string(),
    resourceId: z.string(),
    outcome: z.enum(AUDIT_OUTCOMES),
    requestId: z.string(),
    before: z.record(z.string(), z.unknown()).optional(),
    after: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().optional(),
  })
  .openapi('AuditEvent');

const AuditQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Earliest event time (inclusive)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Latest event time (inclusive)' }),
  actor: z.string().max(256).optional(),
  action: z.string().max(100).optional(),
  resourceType: z.string().max(50).optional(),
  resourceId: z.string().max(200).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(CSV_MAX_ROWS)
    .optional()
    .openapi({ description: 'JSON: 1-200 (default 50). CSV: 1-10000 (default 10000)' }),
  cursor: z.string().max(2048).optional(),
});

export const listAuditRoute = createRoute({
  method: 'get',
  path: '/v1/audit',
  tags: ['Audit'],
  summary: 'The audit trail, newest first; Accept: text/csv exports CSV',
  request: { query: AuditQuery },
  responses: {
    200: {
      description: 'One page of events. For CSV, a Link header with rel="next" points at the next page.',
      content: {
        'application/json': { schema: pageOf(AuditEventSchema, 'AuditPage') },
        'text/csv': { schema: z.string() },
      },
    },
    ...commonErrors,
  },
});
