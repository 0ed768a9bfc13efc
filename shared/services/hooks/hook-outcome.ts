import { type HookCall, hookCallOk } from '#shared/domain/hooks/hook-call.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * What the state machine does next: `none` (no hook for this guest), `running` (an agent command:
 * wait, then `check`), `awaiting` (an HTTPS receiver answered 202: wait for its callback at most
 * `waitSeconds`), or `done`; `proceed` is false when the guest must be skipped (`abort`), with the
 * reason in `error` as a Catch would carry it, and `warning` says which hook failed under `continue`.
 */
export interface HookStepResult {
  readonly state: 'none' | 'running' | 'awaiting' | 'done';
  readonly proceed: boolean;
  readonly waitSeconds?: number;
  readonly error?: { readonly Error: 'HookAbortedError'; readonly Cause: string };
  readonly warning?: string;
}

const describe = (call: HookCall) =>
  `${call.phase} hook (${call.kind} ${call.target}) ${call.status === 'timed-out' ? 'timed out' : 'failed'}: ${call.error ?? ''}`.trim();

/** The step's answer for a call as recorded (`now` sizes the wait for a callback). */
export function resultOf(call: HookCall, now: number): HookStepResult {
  if (call.status === 'running' || call.status === 'calling') return { state: 'running', proceed: true };
  if (call.status === 'awaiting')
    // Rounded up: the waiting task times out at or after the deadline, never before it.
    return {
      state: 'awaiting',
      proceed: true,
      waitSeconds: Math.max(1, Math.ceil((call.deadline - now) / 1000)),
    };
  if (hookCallOk(call)) return { state: 'done', proceed: true };
  const reason = describe(call);
  if (call.onFailure === 'continue') return { state: 'done', proceed: true, warning: reason };
  return { state: 'done', proceed: false, error: { Error: 'HookAbortedError', Cause: reason } };
}

type FinishDeps = Pick<ServiceDeps, 'store' | 'now' | 'ids'>;

/**
 * Records what happened to a call and, once it ended, audits it (`hook.call` on the run). With
 * `onlyIf`, the record is replaced only if it is still as read (an awaited call is ended by
 * whichever of the callback and the workflow's timeout comes first): undefined when it was not.
 */
export async function finishHookCall(
  deps: FinishDeps,
  call: HookCall,
  outcome: Partial<HookCall> & Pick<HookCall, 'status'>,
  options: { readonly actor: string; readonly onlyIf?: Pick<HookCall, 'status' | 'taskToken'> },
): Promise<HookCall | undefined> {
  const now = deps.now();
  const ended = outcome.status !== 'running' && outcome.status !== 'awaiting';
  const done: HookCall = {
    ...call,
    ...outcome,
    ...(ended ? { finishedAt: new Date(now).toISOString() } : {}),
    latencyMs: now - Date.parse(call.startedAt),
  };
  if (options.onlyIf) {
    if (!(await deps.store.hookCalls.replaceIf(done, options.onlyIf))) return undefined;
  } else {
    await deps.store.hookCalls.complete(done);
  }
  if (ended) {
    await deps.store.audit.record({
      id: deps.ids.next('aud'),
      tenantId: call.tenantId,
      at: new Date(now).toISOString(),
      actor: options.actor,
      role: 'system',
      action: 'hook.call',
      resourceType: 'run',
      resourceId: call.runId,
      outcome: hookCallOk(done) ? 'success' : 'failure',
      requestId: call.runId,
      after: {
        guestId: done.guestId,
        phase: done.phase,
        kind: done.kind,
        target: done.target,
        status: done.status,
        latencyMs: done.latencyMs,
        ...(done.httpStatus !== undefined ? { httpStatus: done.httpStatus } : {}),
        ...(done.exitCode !== undefined ? { exitCode: done.exitCode } : {}),
        ...(done.callbackOutcome ? { callbackOutcome: done.callbackOutcome } : {}),
      },
      ...(done.error ? { reason: done.error } : {}),
    });
  }
  return done;
}
