import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { RouteAccess } from './schemas.ts';

export interface MatchedRoute {
  readonly route: RouteConfig & Partial<RouteAccess>;
  /** Path parameters by name, in path order. */
  readonly params: ReadonlyArray<readonly [string, string]>;
}

interface CompiledRoute {
  readonly route: RouteConfig & Partial<RouteAccess>;
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly literalSegments: number;
}

function compile(route: RouteConfig): CompiledRoute {
  const names: string[] = [];
  const segments = route.path.split('/');
  const source = segments
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  return {
    route,
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${source}$`),
    names,
    literalSegments: segments.length - names.length,
  };
}

/**
 * Finds the contract of the route a request is for, before Hono routes it, so app-wide
 * middleware (authorization, body rules) can act on what the route declares. Built lazily from
 * the app's OpenAPI registry, so every route registered with `app.openapi` is known.
 */
export function routeIndex(app: Pick<OpenAPIHono, 'openAPIRegistry'>) {
  let compiled: CompiledRoute[] | undefined;
  return (method: string, path: string): MatchedRoute | undefined => {
    compiled ??= app.openAPIRegistry.definitions
      .flatMap((definition) => (definition.type === 'route' ? [compile(definition.route)] : []))
      // A literal segment wins over a parameter (`/runs/latest` before `/runs/{runId}`).
      .sort((a, b) => b.literalSegments - a.literalSegments);
    const upper = method.toUpperCase();
    for (const candidate of compiled) {
      if (candidate.method !== upper) continue;
      const match = candidate.pattern.exec(path);
      if (!match) continue;
      return {
        route: candidate.route,
        params: candidate.names.map((name, index) => [name, safeDecode(match[index + 1] ?? '')] as const),
      };
    }
    return undefined;
  };
}

export type RouteLookup = ReturnType<typeof routeIndex>;

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
