import { z } from 'zod';
import { HOOK_CALL_STATUSES, type HookCall } from '#shared/domain/hooks/hook-call.ts';
import { HOOK_PHASES } from '#shared/domain/hooks/hook-spec.ts';
import { byIdInTenant, daysAfter, defineEntity, tenantPartition } from '../entity.ts';

const hookCallSchema: z.ZodType<HookCall> = z.object({
  tenantId: z.string(),
  runId: z.string(),
  guestId: z.string(),
  phase: z.enum(HOOK_PHASES),
  kind: z.enum(['https', 'agent']),
  target: z.string(),
  onFailure: z.enum(['abort', 'continue']),
  status: z.enum(HOOK_CALL_STATUSES),
  startedAt: z.string(),
  deadline: z.number(),
  finishedAt: z.string().optional(),
  latencyMs: z.number().optional(),
  httpStatus: z.number().optional(),
  exitCode: z.number().optional(),
  pid: z.number().optional(),
  responseHead: z.string().optional(),
  error: z.string().optional(),
  callbackHash: z.string().optional(),
  taskToken: z.string().optional(),
  callbackOutcome: z.enum(['continue', 'abort']).optional(),
});

const runPartition = (call: { tenantId: string; runId: string }) =>
  `${tenantPartition(call.tenantId)}#RUN#${call.runId}`;

/** A hook call, in its run's partition beside the guests' results (`HOOK#<guestId>#<phase>`). */
export const hookCallEntity = defineEntity({
  name: 'hook-call',
  schema: hookCallSchema,
  key: (call: { tenantId: string; runId: string; guestId: string; phase: string }) => ({
    pk: runPartition(call),
    sk: `HOOK#${call.guestId}#${call.phase}`,
  }),
  collection: (run: { tenantId: string; runId: string }) => ({ pk: runPartition(run), skPrefix: 'HOOK#' }),
  ttl: (call, lifetimes) => daysAfter(call.startedAt, lifetimes.historyDays),
});

/** Where a policy's hook signing secret is (the secret itself never is in the table). */
export interface HookSecretRecord {
  readonly tenantId: string;
  /** The policy's id. */
  readonly id: string;
  readonly secretRef: string;
  readonly createdAt: string;
}

/** A policy's hook secret reference, in the tenant's partition (`HOOKSECRET#<policyId>`). */
export const hookSecretEntity = defineEntity({
  name: 'hook-secret',
  schema: z.object({ tenantId: z.string(), id: z.string(), secretRef: z.string(), createdAt: z.string() }),
  ...byIdInTenant('HOOKSECRET'),
});
