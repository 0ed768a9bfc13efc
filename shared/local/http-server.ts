import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import type { ApiHandler } from '#shared/api/lambda.ts';
import { isPublicRoute } from '#shared/api/public-routes.ts';
import type { LocalSite } from './console/console-site.ts';
import { ClaimTypeError } from './jwt.ts';

/** API Gateway's own payload limit; larger requests never reach the function. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** Where the gateway reports the requests it refuses (info level; never the token). */
interface GatewayLog {
  info(message: string, fields: Record<string, unknown>): void;
}

export interface LocalHttpServerOptions {
  readonly handler: ApiHandler;
  readonly verifyToken: (token: string) => Promise<Record<string, string>>;
  readonly log?: GatewayLog;
  /** The console's static site and local sign-in; answers before the API, never for `/v1`. */
  readonly site?: LocalSite;
}

const consoleLog: GatewayLog = { info: (message, fields) => console.info(message, fields) };
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether the body can travel as text: valid UTF-8 without NUL (otherwise API Gateway sends base64). */
function isText(body: Buffer): boolean {
  if (body.includes(0)) return false;
  try {
    utf8.decode(body);
    return true;
  } catch {
    return false;
  }
}

function gatewayReply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Builds the HTTP API (payload format 2.0) event API Gateway would send for this request.
 * Header names are lower-cased and repeated headers joined with commas, as API Gateway does.
 */
function toGatewayEvent(
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  claims: Record<string, string> | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headersDistinct)) {
    if (value && name !== 'cookie') headers[name] = value.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const now = new Date();
  const asText = body.length === 0 || isText(body);
  const cookies = req.headers.cookie?.split(';').map((cookie) => cookie.trim());
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(cookies ? { cookies } : {}),
    ...(url.searchParams.size > 0 ? { queryStringParameters: query } : {}),
    ...(routeKey.endsWith('{proxy+}') ? { pathParameters: { proxy: url.pathname.slice(1) } } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: (req.headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
    },
    body: body.length === 0 ? undefined : asText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !asText,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/**
 * The local stand-in for API Gateway: public routes pass straight through, every other route
 * needs a bearer token the JWT authorizer would accept (401 `Unauthorized` otherwise, with API
 * Gateway's body; 403 `Forbidden` for a tenant or role claim that is not a string), and the same
 * Lambda handler answers. Every refusal is logged at info with its reason.
 */
export function createLocalHttpServer(options: LocalHttpServerOptions): Server {
  const log = options.log ?? consoleLog;
  return createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (body === undefined) return gatewayReply(res, 413, 'Request Entity Too Large');
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const page = await options.site?.({ method, path, body, remoteAddress: req.socket.remoteAddress });
      if (page) return void res.writeHead(page.status, page.headers).end(page.body);
      let claims: Record<string, string> | undefined;
      let routeKey = `${method} ${path}`;
      if (!isPublicRoute(method, path)) {
        routeKey = 'ANY /{proxy+}';
        const refuse = (status: 401 | 403, reason: string) => {
          log.info('gateway refused the request', { status, method, path, reason });
          gatewayReply(res, status, status === 401 ? 'Unauthorized' : 'Forbidden');
        };
        const authorization = req.headers.authorization;
        if (authorization === undefined) return refuse(401, 'no Authorization header');
        const match = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (!match?.[1]) return refuse(401, 'the Authorization header is not a Bearer token');
        try {
          claims = await options.verifyToken(match[1]);
        } catch (error) {
          // jose's messages name the failed check (signature, "exp", "aud"...), never the token.
          const reason = (error as Error).message;
          return refuse(error instanceof ClaimTypeError ? 403 : 401, reason);
        }
      }
      // aws-lambda's event type allows the absent body API Gateway sends; Hono's type says null.
      const event = toGatewayEvent(req, body, routeKey, claims) as unknown as LambdaEvent;
      const result = await options.handler(event);
      const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
      if (result.cookies?.length) headers['set-cookie'] = result.cookies;
      res.writeHead(result.statusCode, headers);
      res.end(result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined);
    } catch (error) {
      console.error('local gateway: handler failed', error);
      if (!res.headersSent) gatewayReply(res, 500, 'Internal Server Error');
      else res.end();
    }
  });
}
