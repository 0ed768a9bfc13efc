import type { FieldIssue } from '#shared/domain/errors.ts';
import { parseGuestId } from '#shared/domain/guest-id.ts';
import { HOOK_PHASES, type Hook, type HookPhase, type PolicyHooks } from './hook-spec.ts';

/** Whether any guest of the policy may have a hook (its lanes then run the hook steps). */
export function policyHasHooks(hooks: PolicyHooks | undefined): boolean {
  if (!hooks) return false;
  return Boolean(hooks.pre || hooks.post || Object.values(hooks.overrides).some((o) => o.pre || o.post));
}

/** The longest timeout any guest's hook of `phase` may have (0: no guest has one); lanes are sized by it. */
export function longestHookSeconds(hooks: PolicyHooks | undefined, phase: HookPhase): number {
  if (!hooks) return 0;
  const all = [hooks[phase], ...Object.values(hooks.overrides).map((override) => override[phase])];
  return Math.max(0, ...all.map((hook) => hook?.timeoutSeconds ?? 0));
}

/** The hook that runs for a guest in a phase: its own override (or none, if turned off), else the policy's. */
export function hookFor(hooks: PolicyHooks | undefined, guestId: string, phase: HookPhase): Hook | undefined {
  if (!hooks) return undefined;
  const override = hooks.overrides[guestId];
  if (override && override[phase] !== undefined) return override[phase] ?? undefined;
  return hooks[phase];
}

/**
 * What is wrong with a policy's hooks, checked at save: an agent hook's program must be on the
 * policy's allow-list, an override must name a guest id, and an HTTPS hook must use https.
 */
export function hookIssues(hooks: PolicyHooks | undefined): FieldIssue[] {
  if (!hooks) return [];
  const issues: FieldIssue[] = [];
  const check = (hook: Hook | null | undefined, path: string) => {
    if (!hook) return;
    if (hook.kind === 'agent' && !hooks.allowedCommands.includes(hook.command[0] ?? '')) {
      issues.push({
        path: `${path}.command`,
        rule: 'hooks.allowed-command',
        message: `'${hook.command[0]}' is not in hooks.allowedCommands`,
      });
    }
    if (hook.kind === 'https' && !/^https:\/\//i.test(hook.url)) {
      issues.push({
        path: `${path}.url`,
        rule: 'hooks.https',
        message: 'a hook URL must start with https://',
      });
    }
  };
  for (const phase of HOOK_PHASES) check(hooks[phase], `hooks.${phase}`);
  for (const [guestId, override] of Object.entries(hooks.overrides)) {
    if (!parseGuestId(guestId))
      issues.push({
        path: `hooks.overrides.${guestId}`,
        rule: 'hooks.guest-id',
        message: 'overrides are keyed by guest id (<clusterId>.<vmid>)',
      });
    for (const phase of HOOK_PHASES) check(override[phase], `hooks.overrides.${guestId}.${phase}`);
  }
  return issues;
}
