import { createRoute, z } from '@hono/zod-openapi';
import { MAX_REPORT_DAYS } from '#shared/domain/insight/compliance.ts';
import { STAT_BUCKET_NAMES } from '#shared/domain/insight/stats.ts';
import { OPERATION_KINDS, OPERATION_STATUSES } from '#shared/domain/operation.ts';
import { RUN_STATUSES } from '#shared/domain/run.ts';
import { commonErrors, json } from '../schemas.ts';

const PeriodQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Start of the period (inclusive); default 30 days before `to`' }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({
      description: `End of the period (exclusive); default now. At most ${MAX_REPORT_DAYS} days after \`from\``,
    }),
});

const Points = z.object({
  count: z.number().int(),
  oldest: z.string().optional(),
  newest: z.string().optional(),
});

const ComplianceSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    generatedAt: z.string(),
    tenant: z.object({
      policies: z.number().int(),
      runsExpected: z.number().int(),
      runsRun: z.number().int(),
      successRate: z.number().optional(),
      guests: z.number().int(),
      guestsMeetingRpo: z.number().int().openapi({
        description: 'Guests that met every covering policy\u2019s objective for the whole period',
      }),
      averageRpoShare: z.number().optional(),
      restores: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
      restoreTests: z
        .object({ tested: z.number().int(), proven: z.number().int(), failed: z.number().int() })
        .openapi({
          description:
            'Distinct recovery points restore tests tried in the period; proven: restored and seen alive at least once',
        }),
    }),
    policies: z.array(
      z.object({
        policyId: z.string(),
        policyName: z.string(),
        enabled: z.boolean(),
        cron: z.string(),
        timezone: z.string(),
        rpoMinutes: z
          .number()
          .optional()
          .openapi({ description: 'The objective: the longest gap between two ticks of the schedule' }),
        runs: z.object({
          expected: z.number().int().openapi({ description: 'Ticks in the period (none while disabled)' }),
          run: z.number().int().openapi({ description: 'Ticks served by a scheduled run' }),
          manual: z.number().int(),
          succeeded: z.number().int(),
          partiallyFailed: z.number().int(),
          failed: z.number().int(),
          cancelled: z.number().int(),
          skipped: z.number().int(),
          running: z.number().int(),
          successRate: z.number().optional(),
        }),
        retention: z.record(z.string(), z.number()),
        guests: z.array(
          z.object({
            guestId: z.string(),
            vmid: z.number().int().optional(),
            name: z.string().optional(),
            rpoShare: z.number().openapi({ description: 'Share (0..1) of the period within the objective' }),
            snapshots: Points,
            backups: Points,
            retention: z.object({
              promised: z
                .number()
                .int()
                .openapi({ description: 'Points the retention rule keeps had every tick run' }),
              observed: z.number().int().openapi({ description: 'Points of the policy that exist' }),
            }),
          }),
        ),
      }),
    ),
    restores: z.array(
      z.object({
        operationId: z.string(),
        guestId: z.string(),
        kind: z.enum(OPERATION_KINDS),
        snapshotName: z.string(),
        status: z.enum(OPERATION_STATUSES),
        requestedBy: z.string(),
        createdAt: z.string(),
        finishedAt: z.string().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('ComplianceReport');

export const complianceRoute = createRoute({
  method: 'get',
  path: '/v1/reports/compliance',
  tags: ['Reports'],
  summary:
    'Compliance of a period per policy and for the tenant: JSON, CSV (`format=csv` or Accept: text/csv) or a printable HTML page (`format=html` or Accept: text/html)',
  request: {
    query: PeriodQuery.extend({ format: z.enum(['json', 'csv', 'html']).optional() }),
  },
  responses: {
    200: {
      description: 'The report',
      content: {
        'application/json': { schema: ComplianceSchema },
        'text/csv': { schema: z.string() },
        'text/html': { schema: z.string() },
      },
    },
    ...commonErrors,
  },
});

const OutcomeBucket = z.object({
  start: z.string(),
  ...Object.fromEntries(RUN_STATUSES.map((status) => [status, z.number().int()])),
});

export const statsRoute = createRoute({
  method: 'get',
  path: '/v1/stats',
  tags: ['Reports'],
  summary: 'Time series for charts: runs by outcome, task durations per node, failure reasons, storage used',
  request: {
    query: PeriodQuery.extend({
      bucket: z
        .enum(STAT_BUCKET_NAMES)
        .default('day')
        .openapi({ description: 'UTC hours or days; every bucket of the period is present' }),
    }),
  },
  responses: {
    200: {
      description: 'The statistics',
      content: json(
        z
          .object({
            from: z.string(),
            to: z.string(),
            bucket: z.enum(STAT_BUCKET_NAMES),
            runs: z.array(OutcomeBucket),
            taskDurations: z.array(
              z.object({
                node: z.string(),
                tasks: z.number().int(),
                p50Seconds: z.number(),
                p95Seconds: z.number(),
              }),
            ),
            failureReasons: z.array(
              z.object({
                reason: z.string(),
                count: z.number().int(),
                example: z.string(),
                errorTypes: z.array(z.string()),
              }),
            ),
            storage: z.array(z.object({ start: z.string(), bytes: z.number() })).optional(),
          })
          .openapi('Statistics'),
      ),
    },
    ...commonErrors,
  },
});
