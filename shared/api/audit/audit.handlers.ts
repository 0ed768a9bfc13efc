import type { OpenAPIHono } from '@hono/zod-openapi';
import { ValidationError } from '#shared/domain/errors.ts';
import { auditToCsv } from '#shared/services/audit-export.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import { MAX_PAGE_SIZE } from '../schemas.ts';
import * as routes from './audit.routes.ts';

export function registerAuditRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.listAuditRoute, async (c) => {
    const { limit, ...query } = c.req.valid('query');
    const wantsCsv = (c.req.header('accept') ?? '').includes('text/csv');
    if (!wantsCsv && limit !== undefined && limit > MAX_PAGE_SIZE) {
      throw ValidationError.single(
        'limit',
        'too_big',
        `limit must be at most ${MAX_PAGE_SIZE} (up to ${routes.CSV_MAX_ROWS} for CSV)`,
      );
    }
    const page = await deps.store.audit.list(requestContext(c).principal.tenantId, {
      ...query,
      limit: limit ?? (wantsCsv ? routes.CSV_MAX_ROWS : 50),
    });
    const items = page.items.map(({ tenantId: _tenantId, ...event }) => event);
    if (wantsCsv) {
      if (page.nextCursor) {
        const next = new URL(c.req.url);
        next.searchParams.set('cursor', page.nextCursor);
        c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
      }
      c.header('Content-Disposition', 'attachment; filename="audit.csv"');
      return c.body(auditToCsv(page.items), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    }
    return c.json({ items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) }, 200);
  });
}
