import { createRoute, z } from '@hono/zod-openapi';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import { RETENTION_REASONS } from '#shared/domain/retention.ts';
import { RUN_STATUSES } from '#shared/domain/run.ts';
import { NOT_INCLUDED_REASONS } from '#shared/services/policy-targets.ts';
import {
  commonErrors,
  IdempotencyHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
} from '../schemas.ts';

const RunSchema = z
  .object({
    id: z.string(),
    policyId: z.string(),
    policyName: z.string(),
    scheduledTime: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    status: z.enum(RUN_STATUSES).openapi({
      description: 'In the words of the run\u2019s event: `run.succeeded`, `run.partially_failed`, ...',
    }),
    targets: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    notStarted: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Guests a cancel kept from starting (a cancelled run)' }),
    late: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Results recorded after the run had ended: listed, not counted' }),
    skipped: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'Guests the service skipped (also counted in `failed`), e.g. for a quota' }),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    cancelRequestedAt: z.string().optional(),
    cancelledBy: z.string().optional(),
    reason: z.string().optional(),
  })
  .openapi('Run');

const ResultSchema = z
  .object({
    guestId: z.string(),
    vmid: z.number().int(),
    node: z.string(),
    snapshotName: z.string(),
    outcome: z.enum(['succeeded', 'failed']),
    volid: z.string().optional().openapi({ description: 'A backup policy’s archive (Proxmox volume id)' }),
    size: z.number().int().optional().openapi({ description: 'The archive’s size in bytes' }),
    error: z.string().optional().openapi({ description: 'Proxmox\u2019s own text' }),
    errorType: z
      .string()
      .optional()
      .openapi({ description: 'e.g. `ProxmoxLockedError`, `ProxmoxTaskFailedError`' }),
    lock: z
      .string()
      .optional()
      .openapi({ description: 'The lock\u2019s kind when a lock outlived the retries' }),
    upid: z.string().optional(),
    finishedAt: z.string(),
    late: z
      .boolean()
      .optional()
      .openapi({ description: 'Arrived after the run had ended (its lane was given up); not counted' }),
    skipped: z
      .literal(true)
      .optional()
      .openapi({ description: 'The run did not start the guest (counted as failed); `reason` says why' }),
    reason: z.string().optional().openapi({ description: 'Why the guest was skipped, e.g. `storage-guard`' }),
    warning: z
      .string()
      .optional()
      .openapi({ description: 'A pre hook failed under `onFailure: continue`: which one, and why' }),
  })
  .openapi('RunGuestResult');

export const runPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{policyId}/runs',
  tags: ['Runs'],
  summary: 'Run a policy now (operator); 202 with the run',
  ...requires('operator', 'policy.run'),
  request: { params: z.object({ policyId: idParam('policyId', 'pol') }), headers: IdempotencyHeader },
  responses: { 202: { description: 'Started', content: json(RunSchema) }, ...commonErrors },
});

export const listRunsRoute = createRoute({
  method: 'get',
  path: '/v1/runs',
  tags: ['Runs'],
  summary: 'Runs, newest first',
  request: {
    query: PageQuery.extend({
      policy: z.string().regex(ID_PATTERN, 'must be a policy id as returned by the API').optional(),
      status: z.enum(RUN_STATUSES).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  responses: {
    200: { description: 'One page of runs', content: json(pageOf(RunSchema, 'RunPage')) },
    ...commonErrors,
  },
});

export const getRunRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{runId}',
  tags: ['Runs'],
  summary: 'A run with live counts and per-guest results',
  request: { params: z.object({ runId: idParam('runId', 'run') }) },
  responses: {
    200: {
      description: 'The run',
      content: json(
        RunSchema.extend({
          skippedGuests: z.record(z.string(), z.number().int()).optional().openapi({
            description:
              'Guests the run did not start, by reason (e.g. `{"storage-guard": 2}`); counted in `failed`',
          }),
          results: z.array(ResultSchema),
        }).openapi('RunWithResults'),
      ),
    },
    ...commonErrors,
  },
});

export const cancelRunRoute = createRoute({
  method: 'post',
  path: '/v1/runs/{runId}/cancel',
  tags: ['Runs'],
  summary:
    'Cancel a running run (operator): no guest is started from now on, snapshots already sent to Proxmox finish and are recorded, then the run ends `cancelled`',
  ...requires('operator', 'run.cancel'),
  request: { params: z.object({ runId: idParam('runId', 'run') }) },
  responses: {
    202: {
      description: 'Cancel accepted; the run ends `cancelled` once its tasks in flight are done',
      content: json(RunSchema),
    },
    ...commonErrors,
    409: { description: 'The run has ended', content: problemContent },
  },
});

const DryRunSchema = z
  .object({
    policyId: z.string(),
    policyName: z.string(),
    enabled: z.boolean(),
    at: z.string().openapi({ description: 'The moment planned for: a run started now' }),
    snapshotName: z.string().openapi({
      description: 'A run now\u2019s snapshot name; its last four characters come from the run\u2019s id',
    }),
    nextScheduled: z
      .object({ scheduledTime: z.string(), snapshotName: z.string() })
      .optional()
      .openapi({ description: 'The next tick and its snapshot name (absent while disabled)' }),
    targets: z.array(
      z.object({
        guestId: z.string(),
        clusterId: z.string(),
        node: z.string(),
        vmid: z.number().int(),
        name: z.string(),
        note: z.string().optional(),
      }),
    ),
    notIncluded: z.array(
      z.object({
        guestId: z.string(),
        vmid: z.number().int(),
        name: z.string(),
        reason: z.enum(NOT_INCLUDED_REASONS),
        detail: z.string().optional(),
      }),
    ),
    lanes: z.array(
      z.object({
        lane: z.string().openapi({ description: '`<clusterId>/<node>`' }),
        clusterId: z.string(),
        node: z.string(),
        perNode: z.number().int(),
        chunks: z.number().int(),
        guests: z.array(z.object({ guestId: z.string(), vmid: z.number().int(), vmstate: z.boolean() })),
        expectedSeconds: z.number().optional(),
      }),
    ),
    expectedSeconds: z.number().optional(),
    retention: z.array(
      z.object({
        guestId: z.string(),
        delete: z.array(
          z.object({
            name: z
              .string()
              .openapi({ description: 'The snapshot, or for a backup policy the archive\u2019s volume id' }),
            storage: z
              .string()
              .optional()
              .openapi({ description: 'A backup policy\u2019s: the archive\u2019s storage' }),
            reason: z.enum(RETENTION_REASONS),
            inThisRun: z.boolean(),
            beforeBackup: z.literal(true).optional().openapi({
              description:
                'Deleted before the guest\u2019s backup to make room (`pruneBeforeBackup`), as the storage guard is expected to need',
            }),
          }),
        ),
      }),
    ),
    storageGuard: z
      .array(
        z.object({
          guestId: z.string(),
          storage: z.string(),
          outcome: z.enum(['pruned-first', 'skipped']),
          pruned: z.array(z.string()),
          projected: z.number().openapi({ description: 'Bytes on the storage once the backup is written' }),
          limit: z.number().openapi({ description: 'The threshold in bytes' }),
        }),
      )
      .optional()
      .openapi({
        description:
          'A backup policy\u2019s storage guard played forward from the last inventory\u2019s storage figures and the guests\u2019 newest archive sizes: the guests whose backup would first prune archives, or be skipped (`storage-guard`); absent when every guest fits',
      }),
  })
  .openapi('DryRunPlan');

export const dryRunPolicyRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{policyId}/dry-run',
  tags: ['Runs'],
  summary:
    'The plan of a run now, without running it or calling Proxmox (operator): targets and why others are not, lanes, names, expected duration, retention deletions',
  ...requires('operator', 'policy.dry-run'),
  request: { params: z.object({ policyId: idParam('policyId', 'pol') }) },
  responses: { 200: { description: 'The plan', content: json(DryRunSchema) }, ...commonErrors },
});
