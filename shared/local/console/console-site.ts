/**
 * The console as the local runtime serves it: the built single-page app from its folder, its
 * /console-config.json, and the local sign-in. What CloudFront and S3 do in AWS (content types,
 * long caching for hashed assets, every client route answered by index.html) happens here, and
 * the API's paths are never answered from the folder.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { OPERATOR_PREFIX } from '#shared/api/plans/operator-scope.ts';
import { isPublicRoute } from '#shared/api/public-routes.ts';
import { type LocalSignIn, SIGN_IN_PATH } from './local-sign-in.ts';

export interface SiteRequest {
  readonly method: string;
  readonly path: string;
  readonly body: Buffer;
  /** The peer's address: the sign-in answers loopback callers only. */
  readonly remoteAddress: string | undefined;
}

export interface SiteResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
}

/** Answers a request the console owns, or `undefined` for everything else (the API's). */
export type LocalSite = (request: SiteRequest) => Promise<SiteResponse | undefined>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Vite names every file under assets/ by its content hash, so a name never changes content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built</title></head>
<body><main><h1>The console is not built</h1>
<p><code>npm start</code> builds it on start; that build failed or was skipped (see the service's output).
Build it with <code>npm run build:console</code>, then reload this page.</p>
<p>The API runs anyway: <a href="/docs">/docs</a>.</p></main></body></html>
`;

/** Paths that belong to the API (or its public documents), never to the console's folder. */
function isApiPath(method: string, path: string): boolean {
  return (
    path === '/v1' ||
    path.startsWith('/v1/') ||
    path.startsWith(`${OPERATOR_PREFIX}/`) ||
    isPublicRoute(method === 'HEAD' ? 'GET' : method, path)
  );
}

export interface ConsoleSiteOptions {
  /** The built console (index.html, assets/). */
  readonly dir: string;
  /** What the app reads from /console-config.json. */
  readonly config: Record<string, unknown>;
  readonly signIn?: LocalSignIn;
}

export function createConsoleSite(options: ConsoleSiteOptions): LocalSite {
  const configBody = JSON.stringify(options.config);
  const file = async (relativePath: string): Promise<Buffer | undefined> => {
    const path = normalize(join(options.dir, relativePath));
    if (!path.startsWith(options.dir + sep)) return undefined;
    try {
      if (!(await stat(path)).isFile()) return undefined;
      return await readFile(path);
    } catch {
      return undefined;
    }
  };
  const reply = (
    method: string,
    status: number,
    type: string,
    cache: string,
    body: Buffer | string,
  ): SiteResponse => ({
    status,
    headers: { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS },
    body: method === 'HEAD' ? '' : body,
  });

  return async (request) => {
    const { method, path } = request;
    if (path === SIGN_IN_PATH && options.signIn) return await options.signIn(request);
    if ((method !== 'GET' && method !== 'HEAD') || isApiPath(method, path)) return undefined;
    if (path === '/console-config.json')
      return reply(method, 200, CONTENT_TYPES['.json'] as string, REVALIDATE, configBody);
    const index = await file('index.html');
    if (!index) return reply(method, 503, CONTENT_TYPES['.html'] as string, REVALIDATE, NOT_BUILT_PAGE);
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return reply(method, 400, 'text/plain; charset=utf-8', REVALIDATE, 'Bad path\n');
    }
    // Dot files (the build's source hash) are not part of the site.
    const hidden = decoded.split('/').some((segment) => segment.startsWith('.'));
    const extension = extname(decoded);
    const found = decoded !== '/' && !hidden ? await file(decoded.slice(1)) : undefined;
    if (found) {
      const type = CONTENT_TYPES[extension] ?? 'application/octet-stream';
      return reply(method, 200, type, decoded.startsWith('/assets/') ? IMMUTABLE : REVALIDATE, found);
    }
    // A client route (/policies/abc) has no extension: the app's page answers it. A missing
    // file (/assets/gone.js) is a 404, not a page the browser would run as a script.
    if (extension === '' || decoded === '/')
      return reply(method, 200, CONTENT_TYPES['.html'] as string, REVALIDATE, index);
    return reply(method, 404, 'text/plain; charset=utf-8', REVALIDATE, 'Not found\n');
  };
}
