import type { MiddlewareHandler } from 'hono';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#shared/domain/errors.ts';
import type { ApiEnv } from '../api-env.ts';

const JSON_TYPE = /^application\/([a-z0-9.-]+\+)?json(\s*;.*)?$/i;

/** Request bodies must be JSON, parse, and stay under the size limit; checked before any handler runs. */
export function jsonBodyMiddleware(maxBytes: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'DELETE' || c.req.method === 'HEAD') return next();
    const body = await c.req.text();
    if (Buffer.byteLength(body) > maxBytes) {
      throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
    }
    if (body.length === 0) return next();
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      throw new UnsupportedMediaTypeError('send the body as application/json');
    }
    try {
      JSON.parse(body);
    } catch (error) {
      throw ValidationError.single(
        '',
        'json.syntax',
        `the body is not valid JSON: ${(error as Error).message}`,
      );
    }
    return next();
  };
}
