/** What the routes of scheduled resources (policies, restore tests) share besides their service. */
import type { z } from '@hono/zod-openapi';
import { ValidationError } from '#shared/domain/errors.ts';
import { applyMergePatch } from '#shared/domain/merge-patch.ts';
import { issuesFromZod } from './problem.ts';
import { problemContent } from './schemas.ts';

/** A write whose schedule EventBridge Scheduler refused: 502, and the record is as it was. */
export const scheduleWriteError = {
  502: { description: 'The schedule could not be written; nothing was changed', content: problemContent },
} as const;

/**
 * An update's build step: the client's JSON Merge Patch applied to the stored spec, the result
 * checked against the same contract as a create's body (a 400 naming each field otherwise).
 */
export function mergePatchOnto<S>(schema: z.ZodType<S>, patch: Record<string, unknown>): (current: S) => S {
  return (current) => {
    const merged = applyMergePatch(current, patch);
    const parsed = schema.safeParse(merged);
    if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error, '', merged));
    return parsed.data;
  };
}
