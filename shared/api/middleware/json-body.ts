import type { MiddlewareHandler } from 'hono';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '#shared/domain/errors.ts';
import type { ApiEnv } from '../api-env.ts';
import type { RouteLookup } from '../route-index.ts';

const JSON_TYPE = /^application\/([a-z0-9.-]+\+)?json(\s*;.*)?$/i;

/**
 * The deepest nesting a body may have. The deepest contract (a policy's
 * `selector.exclude.guests[]`) needs 4; the bound keeps every recursive step after parsing
 * (validation, merge patch) far from the stack's limit.
 */
const MAX_JSON_DEPTH = 32;

/** How deep arrays and objects nest in a JSON text (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c) index++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return deepest;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Request bodies are checked before any handler (and before idempotency) sees them: at most
 * `maxBytes`, JSON by content type, valid UTF-8, nested at most {@link MAX_JSON_DEPTH} deep and
 * well-formed. An empty body counts as no body: a route that requires one answers that it is
 * required; any other route runs as if none was sent.
 */
export function jsonBodyMiddleware(maxBytes: number, lookup: RouteLookup): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'DELETE' || c.req.method === 'HEAD') return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > maxBytes) {
      throw new PayloadTooLargeError(`the body is larger than ${maxBytes} bytes`);
    }
    if (bytes.byteLength === 0) {
      if (lookup(c.req.method, c.req.path)?.route.request?.body?.required) {
        throw ValidationError.single('', 'required', 'is required: send a JSON document');
      }
      // Hono's validators would try to parse an empty JSON body; without a content type they
      // treat the request as bodiless, which it is.
      if (c.req.header('content-type') !== undefined) {
        const headers = new Headers(c.req.raw.headers);
        headers.delete('content-type');
        c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers });
      }
      return next();
    }
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      throw new UnsupportedMediaTypeError('send the body as application/json');
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw ValidationError.single('', 'json.encoding', 'the body is not valid UTF-8');
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      throw ValidationError.single(
        '',
        'json.depth',
        `the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
      );
    }
    try {
      JSON.parse(text);
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
