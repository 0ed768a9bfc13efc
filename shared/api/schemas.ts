import { z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import type { Role } from '#shared/domain/roles.ts';
import { isSafeText, SAFE_TEXT_RULE } from '#shared/domain/safe-text.ts';

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
    requiredRole: z
      .enum(['viewer', 'operator', 'admin'])
      .optional()
      .openapi({ description: 'For 403s caused by the role: the least role the action needs' }),
    plan: z
      .string()
      .optional()
      .openapi({ description: 'For plan and quota refusals: the tenant\u2019s plan' }),
    feature: z
      .string()
      .optional()
      .openapi({ description: 'For `plan-feature-missing`: the feature or rule the plan lacks' }),
    quota: z
      .string()
      .optional()
      .openapi({ description: 'For `quota-exceeded`: the quota the write would exceed' }),
    limit: z.number().optional().openapi({ description: 'For `quota-exceeded`: the plan\u2019s limit' }),
  })
  .openapi('Problem');

export const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The answers of authentication and authorization, on every route that needs a token. */
export const authErrors = {
  401: { description: 'No valid token (the gateway answers `{"message":"Unauthorized"}`)' },
  403: {
    description:
      'The token\u2019s tenant or role claim is unusable, or the role is below the route\u2019s `x-required-role` (the problem names the role needed)',
    content: problemContent,
  },
} as const;

/**
 * Responses most routes can give. `contract.ts` adds the middleware's answers (401, 403, and
 * 400, 409, 413, 415, 422 for bodies and idempotency keys) to every route they apply to.
 */
export const commonErrors = {
  400: { description: 'The request is not valid', content: problemContent },
  ...authErrors,
  404: { description: 'Not found (also for other tenants\u2019 resources)', content: problemContent },
} as const;

/** What a route's contract says about who may call it; the app checks it before reading the request. */
export interface RouteAccess {
  /** The least role the route needs. */
  readonly 'x-required-role': Role;
  /** The audit action the request (or its refusal) is recorded as, e.g. `policy.create`. */
  readonly 'x-audit-action': string;
}

/** A route's access, spread into its `createRoute` config: `...requires('admin', 'policy.create')`. */
export const requires = (role: Role, action: string): RouteAccess => ({
  'x-required-role': role,
  'x-audit-action': action,
});

/** Free text (names, descriptions, reasons): no characters that hide, reorder or split what a reader sees. */
export const safeText = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine(isSafeText, { message: SAFE_TEXT_RULE, params: { rule: 'text.characters' } });

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

/** Idempotency keys: 1-255 printable ASCII characters, no spaces. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;

export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be printable ASCII without spaces')
    .optional()
    .openapi({ description: 'Retrying with the same key and body replays the first response' }),
});

/** A JSON body or response with this schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** The ETag response header of a versioned resource. */
export const etagHeader = (resource: string) => ({
  ETag: { schema: { type: 'string' as const }, description: `Version of the ${resource}, for If-Match` },
});
