import { z } from 'zod';

/** When a hook runs: before the guest's snapshot or backup, or after it (with the outcome). */
export const HOOK_PHASES = ['pre', 'post'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];

/** What a failed or timed-out hook does to its guest: skip it (`abort`), or go on with a warning. */
const HOOK_FAILURE_ACTIONS = ['abort', 'continue'] as const;

const HOOK_TIMEOUT_DEFAULT_SECONDS = 30;
const HOOK_TIMEOUT_MAX_SECONDS = 600;

const common = {
  timeoutSeconds: z.number().int().min(1).max(HOOK_TIMEOUT_MAX_SECONDS).default(HOOK_TIMEOUT_DEFAULT_SECONDS),
  onFailure: z.enum(HOOK_FAILURE_ACTIONS).default('abort'),
};

/**
 * One hook: an HTTPS call signed like the service's webhooks, or a command the QEMU guest agent
 * runs inside the guest (program and arguments, no shell).
 */
const HookSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('https'), url: z.string().max(2000), ...common }),
  z.strictObject({
    kind: z.literal('agent'),
    command: z.array(z.string().min(1).max(4096)).min(1).max(64),
    inputData: z
      .string()
      .max(64 * 1024)
      .optional(),
    ...common,
  }),
]);
export type Hook = z.infer<typeof HookSchema>;

/** A guest's own hooks: a hook replaces the policy's, `null` turns the policy's off for it. */
const GuestHooksSchema = z.strictObject({
  pre: HookSchema.nullable().optional(),
  post: HookSchema.nullable().optional(),
});

/**
 * A policy's hooks. `allowedCommands` is the tenant's allow-list of programs a guest-agent hook
 * may start; `overrides` are keyed by guest id (`<clusterId>.<vmid>`).
 */
export const PolicyHooksSchema = z.strictObject({
  pre: HookSchema.optional(),
  post: HookSchema.optional(),
  allowedCommands: z.array(z.string().min(1).max(4096)).max(50).default([]),
  overrides: z.record(z.string(), GuestHooksSchema).default({}),
});
export type PolicyHooks = z.infer<typeof PolicyHooksSchema>;
