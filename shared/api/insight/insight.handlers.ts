import type { OpenAPIHono } from '@hono/zod-openapi';
import type { GuestCoverage } from '#shared/domain/insight/coverage.ts';
import type { GuestRpo, RpoStatus } from '#shared/domain/insight/rpo.ts';
import { toCsv } from '#shared/services/csv.ts';
import { resolveClusterId } from '#shared/services/guest-reference.ts';
import { tenantCoverage } from '#shared/services/insight/coverage-report.ts';
import { guestSnapshotTree } from '#shared/services/insight/guest-snapshot-tree.ts';
import { rpoReport } from '#shared/services/insight/rpo-report.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './insight.routes.ts';

const CSV_COLUMNS = [
  'guestId',
  'name',
  'clusterId',
  'node',
  'vmid',
  'pool',
  'tags',
  'state',
  'policies',
  'disabledPolicies',
  'exclusionReason',
  'exclusionExpiresAt',
] as const;

const guestFacts = ({ guest }: GuestCoverage) => ({
  guestId: guest.id,
  name: guest.name,
  clusterId: guest.clusterId,
  vmid: guest.vmid,
  node: guest.node,
  ...(guest.pool !== undefined ? { pool: guest.pool } : {}),
  tags: [...guest.tags],
});

const csvRow = (entry: GuestCoverage) => ({
  ...guestFacts(entry),
  tags: entry.guest.tags.join(' '),
  state: entry.state,
  policies: entry.policies
    .filter((policy) => policy.enabled)
    .map((policy) => policy.name)
    .join('; '),
  disabledPolicies: entry.policies
    .filter((policy) => !policy.enabled)
    .map((policy) => policy.name)
    .join('; '),
  exclusionReason: entry.exclusions.map((exclusion) => exclusion.reason).join('; '),
  exclusionExpiresAt: entry.exclusions.map((exclusion) => exclusion.expiresAt ?? 'never').join('; '),
});

const kindRpo = (status: RpoStatus & { policyIds: readonly string[] }) => ({
  state: status.state,
  breached: status.breached,
  expectedMinutes: Math.round(status.intervalMs / 60_000),
  ...(status.newestMs !== undefined ? { newestAt: new Date(status.newestMs).toISOString() } : {}),
  ...(status.ageMs !== undefined ? { ageMinutes: Math.floor(status.ageMs / 60_000) } : {}),
  ...(status.breachedSinceMs !== undefined
    ? { breachedSince: new Date(status.breachedSinceMs).toISOString() }
    : {}),
  policyIds: [...status.policyIds],
});

const rpoItem = (row: GuestRpo) => ({
  ...guestFacts(row.coverage),
  ...(row.kinds.snapshot ? { snapshot: kindRpo(row.kinds.snapshot) } : {}),
  ...(row.kinds.backup ? { backup: kindRpo(row.kinds.backup) } : {}),
  ...(row.kinds.offsite ? { offsite: kindRpo(row.kinds.offsite) } : {}),
  newest: Object.fromEntries(
    Object.entries(row.newest).map(([kind, ms]) => [kind, new Date(ms).toISOString()]),
  ),
});

export function registerInsightRoutes(app: OpenAPIHono<ApiEnv>, deps: ServiceDeps): void {
  /** A report's page: the guests after the cursor's guest id (reports list guests by id). */
  const pageOf = <T>(
    items: readonly T[],
    guestIdOf: (item: T) => string,
    page: { scope: string; limit: number; cursor?: string },
  ) => {
    const after = page.cursor
      ? String(deps.store.table.cursors.decode(page.scope, page.cursor).g)
      : undefined;
    const rest = after === undefined ? items : items.filter((item) => guestIdOf(item) > after);
    const kept = rest.slice(0, page.limit);
    const last = kept.at(-1);
    return {
      items: kept,
      ...(rest.length > page.limit && last !== undefined
        ? { nextCursor: deps.store.table.cursors.encode(page.scope, { g: guestIdOf(last) }) }
        : {}),
    };
  };
  /** The filters with the cluster resolved from a name; undefined for a cluster the tenant does not have. */
  const fleetFilter = async (
    tenantId: string,
    query: { cluster?: string; node?: string; tag?: string; pool?: string },
  ) => {
    const { cluster, ...rest } = query;
    const clusterId = cluster !== undefined ? await resolveClusterId(deps, tenantId, cluster) : undefined;
    // A cluster nobody has (by id or name) has no guests: an id no guest carries filters everything out.
    return { ...rest, ...(cluster !== undefined ? { clusterId: clusterId ?? '\u0000' } : {}) };
  };

  app.openapi(routes.coverageRoute, async (c) => {
    const { limit, cursor, format, state, ...query } = c.req.valid('query');
    const tenantId = requestContext(c).principal.tenantId;
    const filter = { ...(await fleetFilter(tenantId, query)), ...(state ? { state } : {}) };
    const report = await tenantCoverage(deps, tenantId, filter);
    if (format === 'csv' || (format === undefined && (c.req.header('accept') ?? '').includes('text/csv'))) {
      c.header('Content-Disposition', 'attachment; filename="coverage.csv"');
      return c.body(toCsv(CSV_COLUMNS, report.guests.map(csvRow)), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
      });
    }
    const { guests, ...counts } = report;
    const page = pageOf(guests, (entry) => entry.guest.id, {
      scope: `coverage:${tenantId}:${JSON.stringify(filter)}`,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      {
        evaluatedAt: new Date(deps.now()).toISOString(),
        ...counts,
        items: page.items.map((entry) => ({
          ...guestFacts(entry),
          state: entry.state,
          policies: [...entry.policies],
          exclusions: [...entry.exclusions],
          overlappingKinds: [...entry.overlappingKinds],
          ...(entry.offsite
            ? {
                offsite: {
                  protected: entry.offsite.protected,
                  expectedMinutes: Math.round(entry.offsite.intervalMs / 60_000),
                  ...(entry.offsite.newestMs !== undefined
                    ? { newestAt: new Date(entry.offsite.newestMs).toISOString() }
                    : {}),
                  policyIds: [...entry.offsite.policyIds],
                },
              }
            : {}),
        })),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });

  app.openapi(routes.rpoRoute, async (c) => {
    const { limit, cursor, state, ...query } = c.req.valid('query');
    const tenantId = requestContext(c).principal.tenantId;
    const filter = { ...(await fleetFilter(tenantId, query)), ...(state ? { rpoState: state } : {}) };
    const report = await rpoReport(deps, tenantId, filter);
    const page = pageOf(report.guests, (row) => row.coverage.guest.id, {
      scope: `rpo:${tenantId}:${JSON.stringify(filter)}`,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(
      {
        evaluatedAt: report.evaluatedAt,
        items: page.items.map(rpoItem),
        policies: report.policies,
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      },
      200,
    );
  });

  app.openapi(routes.snapshotTreeRoute, async (c) => {
    const tree = await guestSnapshotTree(deps, requestContext(c), c.req.valid('param').guestId);
    return c.json(
      {
        guestId: tree.guestId,
        roots: [...tree.roots],
        current: tree.current,
        snapshots: tree.snapshots.map((node) => ({ ...node, children: [...node.children] })),
      },
      200,
    );
  });
}
