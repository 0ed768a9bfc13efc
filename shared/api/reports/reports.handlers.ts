import type { OpenAPIHono } from '@hono/zod-openapi';
import { complianceToCsv } from '#shared/services/insight/compliance-csv.ts';
import { complianceToHtml } from '#shared/services/insight/compliance-html.ts';
import { complianceReportFor } from '#shared/services/insight/compliance-report.ts';
import { reportPeriod } from '#shared/services/insight/report-period.ts';
import { statistics } from '#shared/services/insight/statistics.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './reports.routes.ts';

/** `format` wins; otherwise the first of CSV or HTML the Accept header names; JSON by default. */
function formatOf(format: string | undefined, accept: string): 'json' | 'csv' | 'html' {
  if (format === 'json' || format === 'csv' || format === 'html') return format;
  if (accept.includes('text/csv')) return 'csv';
  if (accept.includes('text/html')) return 'html';
  return 'json';
}

export function registerReportRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  app.openapi(routes.complianceRoute, async (c) => {
    const query = c.req.valid('query');
    const period = reportPeriod(query, deps.now());
    const format = formatOf(query.format, c.req.header('accept') ?? '');
    const report = await complianceReportFor(deps, requestContext(c), period);
    const name = `compliance-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}`;
    if (format === 'csv') {
      c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
      return c.body(complianceToCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    }
    if (format === 'html') {
      c.header('Content-Disposition', `inline; filename="${name}.html"`);
      c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      return c.body(complianceToHtml(report), 200, { 'Content-Type': 'text/html; charset=utf-8' });
    }
    return c.json(report, 200);
  });

  app.openapi(routes.statsRoute, async (c) => {
    const { bucket, ...query } = c.req.valid('query');
    const period = reportPeriod(query, deps.now());
    return c.json(await statistics(deps, requestContext(c), { ...period, bucket }), 200);
  });
}
