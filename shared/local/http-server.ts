import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import type { ApiHandler } from '#shared/api/lambda.ts';
import { isPublicRoute } from '#shared/api/public-routes.ts';

/** API Gateway's own payload limit; larger requests never reach the function. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface LocalHttpServerOptions {
  readonly handler: ApiHandler;
  readonly verifyToken: (token: string) => Promise<Record<string, string>>;
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
  const isText = body.length === 0 || !body.includes(0);
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
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !isText,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/**
 * The local stand-in for API Gateway: public routes pass straight through, every other route
 * needs a bearer token the JWT authorizer would accept (401 `Unauthorized` otherwise, with API
 * Gateway's body), and the same Lambda handler answers.
 */
export function createLocalHttpServer(options: LocalHttpServerOptions): Server {
  return createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (body === undefined) return gatewayReply(res, 413, 'Request Entity Too Large');
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      let claims: Record<string, string> | undefined;
      let routeKey = `${method} ${path}`;
      if (!isPublicRoute(method, path)) {
        routeKey = 'ANY /{proxy+}';
        const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        if (!match?.[1]) return gatewayReply(res, 401, 'Unauthorized');
        try {
          claims = await options.verifyToken(match[1]);
        } catch {
          return gatewayReply(res, 401, 'Unauthorized');
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
