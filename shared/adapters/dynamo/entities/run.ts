import { z } from 'zod';
import { type Run, type RunGuestResult, runStatusOf } from '#shared/domain/run.ts';
import { shareSuffix } from '../counter-shares.ts';
import { daysAfter, defineEntity, tenantPartition } from '../entity.ts';

/**
 * A run as stored (neither is shown): `claimedAt` marks the workflow execution that took it,
 * `countingClosedAt` when finishing it stopped counting results (see run-store.ts).
 */
export type StoredRun = Run & { readonly claimedAt?: string; readonly countingClosedAt?: string };

const runSchema: z.ZodType<StoredRun> = z.object({
  id: z.string(),
  tenantId: z.string(),
  policyId: z.string(),
  policyName: z.string(),
  scheduledTime: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  // Older records hold older words (`pending`, `completed`, `partial`): read in today's.
  status: z.unknown().transform(runStatusOf),
  targets: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  notStarted: z.number().optional(),
  late: z.number().optional(),
  skipped: z.number().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  cancelRequestedAt: z.string().optional(),
  cancelledBy: z.string().optional(),
  reason: z.string().optional(),
  claimedAt: z.string().optional(),
  countingClosedAt: z.string().optional(),
});

/**
 * A run's own partition: the run and its guests' results. Recording a result writes here (and
 * to the guest's snapshot partition), never to the tenant's partition, so a tenant's runs do
 * not share one partition's write throughput.
 */
const runPartition = (run: { tenantId: string; runId: string }) =>
  `${tenantPartition(run.tenantId)}#RUN#${run.runId}`;

/** The sort key of a run, and the prefix of its counter shares' keys. */
const RUN_SORT_KEY = 'RUN';

/** One execution of a policy for one scheduled time, with its counters; listed by time through `byResource`. */
export const runEntity = defineEntity({
  name: 'run',
  schema: runSchema,
  key: (run: { tenantId: string; id: string }) => ({
    pk: runPartition({ tenantId: run.tenantId, runId: run.id }),
    sk: RUN_SORT_KEY,
  }),
  indexes: {
    byResource: {
      partition: (runs: { tenantId: string }) => `${tenantPartition(runs.tenantId)}#RUNS`,
      sort: (run) => `${run.scheduledTime}#${run.id}`,
    },
  },
  ttl: (run, lifetimes) => daysAfter(run.scheduledTime, lifetimes.historyDays),
});

/**
 * One share of a running run's counters. Every guest's result adds to one share (chosen by guest)
 * in the transaction that writes it, so results in flight do not all write one item (DynamoDB
 * cancels a transaction that meets another on the same item). Finishing closes every share before
 * summing them: a result meeting a closed share is late. Sorted right after the run (`RUN#...`),
 * so the run and its shares are read in one Query.
 */
export interface RunCounterShare {
  readonly tenantId: string;
  readonly runId: string;
  readonly share: number;
  readonly succeeded?: number;
  readonly failed?: number;
  readonly skipped?: number;
  /** Set when the run began to finish: no result is counted here from then on. */
  readonly closed?: true;
}

const runCounterShareSchema: z.ZodType<RunCounterShare> = z.object({
  tenantId: z.string(),
  runId: z.string(),
  share: z.number(),
  succeeded: z.number().optional(),
  failed: z.number().optional(),
  skipped: z.number().optional(),
  closed: z.literal(true).optional(),
});

export const runCounterShareEntity = defineEntity({
  name: 'run-counter',
  schema: runCounterShareSchema,
  key: (share: { tenantId: string; runId: string; share: number }) => ({
    pk: runPartition(share),
    sk: `${RUN_SORT_KEY}#COUNT#${shareSuffix(share.share)}`,
  }),
  // The run itself and its shares: every item whose sort key begins with `RUN`.
  collection: (run: { tenantId: string; runId: string }) => ({
    pk: runPartition(run),
    skPrefix: RUN_SORT_KEY,
  }),
  // A share outlives the run's results by no more than their lifetime from its first count.
  ttl: (_share, lifetimes) => lifetimes.nowSeconds + lifetimes.historyDays * 86_400,
});

/** A guest's result as stored: with its tenant (the domain's result names only its run). */
type StoredRunResult = RunGuestResult & { readonly tenantId: string };

const runResultSchema: z.ZodType<StoredRunResult> = z.object({
  tenantId: z.string(),
  runId: z.string(),
  guestId: z.string(),
  vmid: z.number(),
  node: z.string(),
  snapshotName: z.string(),
  outcome: z.enum(['succeeded', 'failed']),
  error: z.string().optional(),
  errorType: z.string().optional(),
  lock: z.string().optional(),
  upid: z.string().optional(),
  volid: z.string().optional(),
  size: z.number().optional(),
  finishedAt: z.string(),
  late: z.boolean().optional(),
  skipped: z.literal(true).optional(),
  reason: z.string().optional(),
  warning: z.string().optional(),
});

/** One guest's outcome in one run, written once (the key is the de-duplication of a retried step). */
export const runResultEntity = defineEntity({
  name: 'run-result',
  schema: runResultSchema,
  key: (result: { tenantId: string; runId: string; guestId: string }) => ({
    pk: runPartition(result),
    sk: `GUEST#${result.guestId}`,
  }),
  collection: (run: { tenantId: string; runId: string }) => ({ pk: runPartition(run), skPrefix: 'GUEST#' }),
  ttl: (result, lifetimes) => daysAfter(result.finishedAt, lifetimes.historyDays),
});
