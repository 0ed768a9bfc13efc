import type { OpenAPIHono } from '@hono/zod-openapi';
import { authErrors, IDEMPOTENCY_KEY_PATTERN } from './schemas.ts';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

interface Response {
  description: string;
  content?: Record<string, unknown>;
}

interface Operation {
  security?: unknown[];
  parameters?: Array<{ name?: string; in?: string }>;
  requestBody?: unknown;
  responses: Record<string, Response>;
}

const PROBLEM = {
  'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
};

const BODY_METHODS = new Set(['post', 'put', 'patch']);

/**
 * The answers the app-wide middleware can give, by the requests they apply to. They are
 * declared here, next to the middleware's rules, so every route (also one added later) declares
 * them without repeating them in its own contract.
 */
function middlewareResponses(method: string, operation: Operation): Record<string, Response> {
  const responses: Record<string, Response> = {};
  const isProtected = operation.security === undefined || operation.security.length > 0;
  if (isProtected) {
    responses[401] = { description: authErrors[401].description };
    responses[403] = { description: authErrors[403].description, content: PROBLEM };
  }
  if ((operation.parameters?.length ?? 0) > 0 || BODY_METHODS.has(method)) {
    responses[400] = { description: 'The request is not valid', content: PROBLEM };
  }
  if (BODY_METHODS.has(method)) {
    responses[413] = { description: 'The body is larger than 1 MiB', content: PROBLEM };
    responses[415] = { description: 'The body is not JSON', content: PROBLEM };
  }
  // Idempotency keys are kept per tenant: public routes (a hook callback) do not take them.
  if (method === 'post' && isProtected) {
    responses[409] = {
      description: 'A request with the same Idempotency-Key is still running',
      content: PROBLEM,
    };
    responses[422] = {
      description: 'The Idempotency-Key was used with another request',
      content: PROBLEM,
    };
  }
  return responses;
}

const IDEMPOTENCY_PARAMETER = {
  name: 'idempotency-key',
  in: 'header',
  required: false,
  description: 'Retrying with the same key and body replays the first response',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN.source },
};

/**
 * Completes the generated document with what the app-wide middleware does: its status codes on
 * every route they apply to, and the Idempotency-Key header on every POST (the middleware honours
 * it on all of them). A route's own description of a status is kept, the middleware's added.
 */
export function withMiddlewareContract(document: Document): Document {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (typeof operation !== 'object' || !operation.responses) continue;
      for (const [status, response] of Object.entries(middlewareResponses(method, operation))) {
        const own = operation.responses[status];
        operation.responses[status] = own
          ? {
              ...own,
              description: own.description.includes(response.description)
                ? own.description
                : `${own.description}; or: ${response.description}`,
              ...(own.content || !response.content ? {} : { content: response.content }),
            }
          : response;
      }
      if (
        method === 'post' &&
        !(Array.isArray(operation.security) && operation.security.length === 0) &&
        !operation.parameters?.some(
          (parameter) => parameter.in === 'header' && parameter.name === 'idempotency-key',
        )
      ) {
        operation.parameters = [...(operation.parameters ?? []), IDEMPOTENCY_PARAMETER];
      }
    }
  }
  return document;
}
