import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { IdempotencyStore } from '#shared/adapters/dynamo/idempotency-store.ts';
import {
  IdempotencyInProgressError,
  IdempotencyKeyReuseError,
  ValidationError,
} from '#shared/domain/errors.ts';
import type { ApiEnv } from '../api-env.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location', 'etag'];

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its successful response is
 * kept; a retry with the same key and body gets that response again (`Idempotent-Replayed:
 * true`), one with another body gets 422, and one racing the first gets 409. A request that
 * fails changed nothing, so its key is freed for a corrected retry.
 */
export function idempotencyMiddleware(store: IdempotencyStore): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    if (!KEY.test(key)) {
      throw ValidationError.single(
        'header.idempotency-key',
        'idempotency-key.format',
        'must be 1-255 printable ASCII characters',
      );
    }
    const tenantId = c.get('principal').tenantId;
    const body = await c.req.text();
    const fingerprint = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n${body}`)
      .digest('base64url');
    const existing = await store.claim(tenantId, key, fingerprint);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new IdempotencyKeyReuseError(
          'this Idempotency-Key was used with another request; use a new key',
        );
      }
      if (existing.state === 'in_progress')
        throw new IdempotencyInProgressError('retry when the first request has finished');
      return new Response(existing.response.body, {
        status: existing.response.status,
        headers: { ...existing.response.headers, 'idempotent-replayed': 'true' },
      });
    }
    try {
      await next();
    } catch (error) {
      await store.release(tenantId, key);
      throw error;
    }
    if (c.res.status >= 200 && c.res.status < 300) {
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = c.res.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      await store.complete(tenantId, key, {
        status: c.res.status,
        headers,
        body: await c.res.clone().text(),
      });
    } else {
      await store.release(tenantId, key);
    }
  };
}
