import { createRoute, z } from '@hono/zod-openapi';
import { COVERAGE_STATES } from '#shared/domain/insight/coverage.ts';
import { RECOVERY_KINDS } from '#shared/domain/insight/policy-kind.ts';
import { RPO_STATES } from '#shared/domain/insight/rpo.ts';
import { TREE_ORIGINS } from '#shared/domain/insight/snapshot-tree.ts';
import { getGuestRoute, proxmoxErrors } from '../guests/guests.routes.ts';
import { commonErrors, json, PageQuery } from '../schemas.ts';

const FleetFilter = {
  cluster: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'The cluster\u2019s id or name (e.g. `lab`)' }),
  node: z.string().max(63).optional(),
  tag: z.string().max(128).optional(),
  pool: z.string().max(64).optional(),
};

const Counts = z
  .object({
    guests: z.number().int(),
    ...Object.fromEntries(COVERAGE_STATES.map((state) => [state, z.number().int()])),
  })
  .openapi('CoverageCounts');

const GuestFacts = {
  guestId: z.string(),
  name: z.string(),
  clusterId: z.string(),
  vmid: z.number().int(),
  node: z.string(),
  pool: z.string().optional(),
  tags: z.array(z.string()),
};

const CoverageItem = z
  .object({
    ...GuestFacts,
    state: z.enum(COVERAGE_STATES),
    policies: z.array(
      z.object({ id: z.string(), name: z.string(), kind: z.enum(RECOVERY_KINDS), enabled: z.boolean() }),
    ),
    exclusions: z.array(
      z.object({
        exclusionId: z.string(),
        policyId: z.string().optional().openapi({ description: 'Absent: excluded from every policy' }),
        reason: z.string(),
        expiresAt: z.string().optional(),
      }),
    ),
    overlappingKinds: z.array(z.enum(RECOVERY_KINDS)),
    offsite: z
      .object({
        protected: z.boolean().openapi({
          description: 'The newest off-site copy is younger than the copy policies\u2019 interval',
        }),
        expectedMinutes: z.number().int(),
        newestAt: z.string().optional(),
        policyIds: z.array(z.string()),
      })
      .optional()
      .openapi({
        description: 'Present when an enabled off-site copy policy (`backup.copyOf`) takes the guest',
      }),
  })
  .openapi('GuestCoverage');

export const coverageRoute = createRoute({
  method: 'get',
  path: '/v1/reports/coverage',
  tags: ['Reports'],
  summary:
    'Every live guest with the policies that cover it, and the gaps; counts per cluster, node, pool and tag. `Accept: text/csv` or `format=csv`: every guest as CSV',
  request: {
    query: PageQuery.extend({
      ...FleetFilter,
      state: z.enum(COVERAGE_STATES).optional(),
      format: z.enum(['json', 'csv']).optional().openapi({ description: 'csv: as `Accept: text/csv`' }),
    }),
  },
  responses: {
    200: {
      description: 'The counts over every guest the filters keep, and one page of those guests (by id)',
      content: {
        ...json(
          z
            .object({
              evaluatedAt: z.string(),
              totals: Counts,
              byCluster: z.record(z.string(), Counts),
              byNode: z.record(z.string(), Counts).openapi({ description: 'Keyed `<clusterId>/<node>`' }),
              byPool: z.record(z.string(), Counts),
              byTag: z.record(z.string(), Counts),
              items: z.array(CoverageItem),
              nextCursor: z.string().optional(),
            })
            .openapi('CoverageReport'),
        ),
        'text/csv': { schema: z.string() },
      },
    },
    ...commonErrors,
  },
});

const KindRpo = z
  .object({
    state: z.enum(RPO_STATES),
    breached: z.boolean(),
    expectedMinutes: z.number().int(),
    newestAt: z.string().optional(),
    ageMinutes: z.number().int().optional(),
    breachedSince: z.string().optional(),
    policyIds: z.array(z.string()),
  })
  .openapi('KindRpo');

export const rpoRoute = createRoute({
  method: 'get',
  path: '/v1/reports/rpo',
  tags: ['Reports'],
  summary:
    'Every guest a policy takes (enabled or not), its newest good snapshot and backup, their age and RPO state; and each policy\u2019s interval and whether it selects anything',
  request: { query: PageQuery.extend({ ...FleetFilter, state: z.enum(RPO_STATES).optional() }) },
  responses: {
    200: {
      description: 'One page of guests (by id) and every policy',
      content: json(
        z
          .object({
            evaluatedAt: z.string(),
            items: z.array(
              z
                .object({
                  ...GuestFacts,
                  snapshot: KindRpo.optional(),
                  backup: KindRpo.optional(),
                  offsite: KindRpo.optional(),
                  newest: z.object({
                    snapshot: z.string().optional(),
                    backup: z.string().optional(),
                    offsite: z.string().optional(),
                  }),
                })
                .openapi('GuestRpo'),
            ),
            policies: z.array(
              z
                .object({
                  id: z.string(),
                  name: z.string(),
                  kind: z.enum(RECOVERY_KINDS),
                  enabled: z.boolean(),
                  expectedMinutes: z.number().int(),
                  expectedFrom: z.enum(['rpo', 'schedule']),
                  targets: z.number().int(),
                  selectsNothing: z.boolean(),
                })
                .openapi('PolicyExpectation'),
            ),
            nextCursor: z.string().optional(),
          })
          .openapi('RpoReport'),
      ),
    },
    ...commonErrors,
  },
});

const TreeNode = z
  .object({
    name: z.string(),
    parent: z.string().optional(),
    createdAt: z.string(),
    description: z.string().optional(),
    vmstate: z.boolean(),
    origin: z.enum(TREE_ORIGINS),
    policyId: z.string().optional(),
    protected: z.boolean(),
    snapstate: z.string().optional(),
    children: z.array(z.string()),
    current: z
      .boolean()
      .openapi({ description: 'The guest\u2019s present state was made from this snapshot' }),
    descendants: z.number().int().openapi({ description: 'Snapshots after it on its branches' }),
  })
  .openapi('SnapshotTreeNode');

export const snapshotTreeRoute = createRoute({
  method: 'get',
  path: '/v1/guests/{guestId}/snapshot-tree',
  tags: ['Guests'],
  summary: 'Proxmox\u2019s snapshot tree of the guest, each snapshot marked policy, manual or external',
  request: { params: getGuestRoute.request.params },
  responses: {
    200: {
      description: 'The tree, oldest first',
      content: json(
        z
          .object({
            guestId: z.string(),
            roots: z.array(z.string()),
            current: z.object({ parent: z.string().optional() }),
            snapshots: z.array(TreeNode),
          })
          .openapi('SnapshotTree'),
      ),
    },
    ...commonErrors,
    ...proxmoxErrors,
  },
});
