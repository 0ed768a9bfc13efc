import { ConflictError, NotFoundError, UnauthorizedError } from '#shared/domain/errors.ts';
import { type HookCall, responseHead } from '#shared/domain/hooks/hook-call.ts';
import {
  CALLBACK_TOLERANCE_SECONDS,
  callbackSecretMatches,
  parseCallbackToken,
} from '#shared/domain/hooks/hook-callback.ts';
import { signatureMatches } from '#shared/domain/notifications/webhook-signature.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { finishHookCall, resultOf } from './hook-outcome.ts';
import { hookSecretOf } from './hook-secret.ts';

export type HookCallbackDeps = Pick<ServiceDeps, 'store' | 'now' | 'ids'> & {
  readonly hookSecrets: SecretStore;
  /** Answers the workflow task that waits for the callback. */
  readonly taskCallbacks: TaskCallbacks;
};

/** A receiver's callback as it arrived: the token from the URL, the signature headers, the raw body and what it says. */
export interface HookCallbackRequest {
  readonly token: string;
  readonly webhookId: string | undefined;
  readonly webhookTimestamp: string | undefined;
  readonly webhookSignature: string | undefined;
  readonly rawBody: string;
  readonly outcome: 'continue' | 'abort';
  readonly message?: string | undefined;
}

/** Who the audit trail names for a callback: the receiver, known only by its token. */
const ACTOR = 'hook-receiver';

/** A token that names no call, or not this one, is answered as missing: it reveals nothing. */
const unknownToken = () => new NotFoundError('hook callback', 'token');

/**
 * A hook receiver's answer to a call it accepted with 202:
 * 1. finds the call the token names and checks the token's secret against its stored hash;
 * 2. checks the Standard Webhooks signature with the policy's hook secret and the timestamp
 *    (at most {@link CALLBACK_TOLERANCE_SECONDS} from now), so a captured callback cannot be replayed;
 * 3. records the outcome once, only while the call awaits it and before its deadline (a used
 *    token, or a call that timed out, is refused with 409), and audits it (`hook.call`);
 * 4. answers the workflow task that waits (if it waits already; else its await step finds the
 *    call answered and the workflow reads the record).
 */
export async function answerHookCallback(
  deps: HookCallbackDeps,
  request: HookCallbackRequest,
): Promise<{ readonly status: HookCall['status'] }> {
  const parsed = parseCallbackToken(request.token);
  if (!parsed) throw unknownToken();
  const { location, secret } = parsed;
  let call = await deps.store.hookCalls.get(
    location.tenantId,
    location.runId,
    location.guestId,
    location.phase,
  );
  if (!call || !callbackSecretMatches(secret, call.callbackHash)) throw unknownToken();
  await checkSignature(deps, call, request);
  const outcome: Partial<HookCall> & Pick<HookCall, 'status'> = {
    status: request.outcome === 'continue' ? 'succeeded' : 'failed',
    callbackOutcome: request.outcome,
    ...(request.message ? { responseHead: responseHead(request.message) } : {}),
    ...(request.outcome === 'abort'
      ? { error: `the receiver called back abort${request.message ? `: ${request.message}` : ''}` }
      : {}),
  };
  // Two tries: the workflow's await step may give the call its task token between read and write.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (call.status !== 'awaiting')
      throw new ConflictError(
        `the hook call is no longer awaiting a callback: it ${call.status === 'timed-out' ? 'timed out' : `ended ${call.status}`}`,
      );
    if (deps.now() >= call.deadline)
      throw new ConflictError('the hook call timed out: its callback came after the hook\u2019s timeout');
    const done = await finishHookCall(deps, call, outcome, {
      actor: ACTOR,
      onlyIf: { status: 'awaiting', taskToken: call.taskToken },
    });
    if (done) {
      if (done.taskToken) await deps.taskCallbacks.succeed(done.taskToken, resultOf(done, deps.now()));
      return { status: done.status };
    }
    call = await deps.store.hookCalls.get(
      location.tenantId,
      location.runId,
      location.guestId,
      location.phase,
    );
    if (!call) throw unknownToken();
  }
  throw new ConflictError('the hook call changed while its callback was recorded; call back again');
}

async function checkSignature(deps: HookCallbackDeps, call: HookCall, request: HookCallbackRequest) {
  const { webhookId, webhookTimestamp, webhookSignature } = request;
  if (!webhookId || !webhookTimestamp || !webhookSignature)
    throw new UnauthorizedError(
      'sign the callback as Standard Webhooks does: webhook-id, webhook-timestamp and webhook-signature',
    );
  const timestamp = Number(webhookTimestamp);
  if (!Number.isInteger(timestamp) || Math.abs(deps.now() / 1000 - timestamp) > CALLBACK_TOLERANCE_SECONDS)
    throw new UnauthorizedError(
      `webhook-timestamp must be the current time in seconds (within ${CALLBACK_TOLERANCE_SECONDS} s)`,
    );
  const run = await deps.store.runs.get(call.tenantId, call.runId);
  const secrets = run ? await hookSecretOf(deps, call.tenantId, run.policyId) : undefined;
  if (
    !secrets ||
    !signatureMatches(secrets, deps.now(), webhookSignature, webhookId, timestamp, request.rawBody)
  )
    throw new UnauthorizedError('webhook-signature does not match: sign with the policy\u2019s hook secret');
}
