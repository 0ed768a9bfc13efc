import { z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';

/** Shared pieces of the API contract. */

const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:pve-snapshots:problem:validation-failed' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z
      .array(z.object({ path: z.string(), rule: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'For validation failures: every violated rule, with the field it concerns.' }),
  })
  .openapi('Problem');

export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** Responses every protected route can give. */
export const commonErrors = {
  400: { description: 'The request is not valid', content: problemContent },
  401: { description: 'No valid token' },
  403: { description: 'The role does not allow this', content: problemContent },
  404: { description: 'Not found (also for other tenants\u2019 resources)', content: problemContent },
} as const;

/** The response of a change refused because If-Match names an older version. */
export const staleVersionError = {
  412: { description: 'If-Match does not name the current version', content: problemContent },
} as const;

export const MAX_PAGE_SIZE = 200;

export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(50)
    .openapi({ description: 'Items per page (1-200)' }),
  cursor: z.string().max(2048).optional().openapi({ description: 'The nextCursor of the previous page' }),
});

export const idParam = (name: string, prefix: string) =>
  z
    .string()
    .regex(ID_PATTERN, `must be an id as returned by the API`)
    .openapi({ param: { name, in: 'path' }, example: `${prefix}_01JD7W3M4Q8ZC5N2R6T9V0X1Y2` });

export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().optional() }).openapi(name);

export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({ description: 'ETag of the version you read; the change is refused with 412 if it moved on' }),
});

export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional()
    .openapi({ description: 'Retrying with the same key and body replays the first response' }),
});

/** A JSON body or response with this schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** The ETag response header of a versioned resource. */
export const etagHeader = (resource: string) => ({
  ETag: { schema: { type: 'string' as const }, description: `Version of the ${resource}, for If-Match` },
});
