import { type HookCall, responseHead } from '#shared/domain/hooks/hook-call.ts';
import { newCallbackToken } from '#shared/domain/hooks/hook-callback.ts';
import type { Hook, HookPhase } from '#shared/domain/hooks/hook-spec.ts';
import { hookFor } from '#shared/domain/hooks/resolve-hook.ts';
import { signatureHeader } from '#shared/domain/notifications/webhook-signature.ts';
import { ProxmoxError } from '#shared/domain/proxmox-errors.ts';
import type { HookCaller } from '#shared/ports/hook-caller.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';
import type { SnapshotWorkItem } from '../policy-run/work-item.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { finishHookCall, type HookStepResult, resultOf } from './hook-outcome.ts';
import { hookSecretOf } from './hook-secret.ts';

export type HookDeps = Pick<ServiceDeps, 'store' | 'proxmox' | 'now' | 'ids'> & {
  /** Where hook signing secrets live (beside the webhooks', under their own names). */
  readonly hookSecrets: SecretStore;
  readonly hookCaller: HookCaller;
  /** The public URL a receiver calls back with a call's one-time token (`POST /v1/hook-callbacks/{token}`). */
  readonly callbackUrl: (token: string) => string;
};

/**
 * What the state machine sends: start the phase's hook, look at an agent command it started or at
 * a call whose wait ended (`check`), or hand over the token of the task that waits for a receiver's
 * callback (`await`, with `taskToken`).
 */
export interface HookStepInput {
  readonly item: SnapshotWorkItem;
  readonly phase: HookPhase;
  readonly action: 'start' | 'check' | 'await';
  readonly taskToken?: string;
}

const ACTOR = 'system:policy-run';

/** An awaited call was answered (or ended) before its waiting task could register: the workflow reads the record. */
class HookAlreadyAnsweredError extends Error {
  constructor() {
    super('the hook call is no longer awaiting a callback');
    this.name = 'HookAlreadyAnsweredError';
  }
}

/**
 * One step of a guest's hook.
 *
 * `start`:
 * 1. Finds the guest's hook for the phase (its override, else the policy's); none: `none`.
 * 2. Claims the call (conditional write keyed by run, guest and phase) before anything is sent:
 *    a retried step finds the claim and answers from it, so no hook runs twice in one tick; a
 *    claim an earlier attempt left `calling` is closed as failed, never called again.
 * 3. HTTPS: posts the signed body (with a one-time callback URL) and records status, latency and
 *    the answer's first bytes; a 202 leaves the call `awaiting` the receiver's callback.
 *    Guest agent: starts the command (`agent/exec`) and records its pid; `running`.
 *
 * `await`: stores the waiting task's token on an `awaiting` call (the callback answers it); a
 * call no longer awaiting fails the step with {@link HookAlreadyAnsweredError}, so the workflow
 * goes on to `check`.
 *
 * `check`: an agent command's `agent/exec-status` (an exited command is recorded with its exit
 * code and output, one past its deadline as timed out); an awaited call past its deadline is
 * recorded as timed out, unless its callback came first.
 *
 * Every finished call is audited (`hook.call`).
 */
export async function runHookStep(deps: HookDeps, input: HookStepInput): Promise<HookStepResult> {
  const { item, phase } = input;
  if (input.action === 'await') return await awaitCallback(deps, item, phase, input.taskToken ?? '');
  if (input.action === 'check') {
    const call = await deps.store.hookCalls.get(item.tenantId, item.runId, item.guestId, phase);
    if (!call) return { state: 'none', proceed: true };
    if (call.status === 'running') return resultOf(await checkAgentCommand(deps, item, call), deps.now());
    if (call.status === 'awaiting') return resultOf(await expireAwaited(deps, item, call), deps.now());
    return resultOf(call, deps.now());
  }
  const policy = await deps.store.policies.get(item.tenantId, item.policyId);
  const hook = hookFor(policy?.hooks, item.guestId, phase);
  if (!hook) return { state: 'none', proceed: true };
  const startedAt = deps.now();
  const claim: HookCall = {
    tenantId: item.tenantId,
    runId: item.runId,
    guestId: item.guestId,
    phase,
    kind: hook.kind,
    target: hook.kind === 'https' ? hook.url : hook.command.join(' '),
    onFailure: hook.onFailure,
    status: 'calling',
    startedAt: new Date(startedAt).toISOString(),
    deadline: startedAt + hook.timeoutSeconds * 1000,
  };
  if (!(await deps.store.hookCalls.claim(claim))) {
    const earlier = await deps.store.hookCalls.get(item.tenantId, item.runId, item.guestId, phase);
    if (!earlier) return { state: 'none', proceed: true };
    if (earlier.status !== 'calling') return resultOf(earlier, deps.now());
    return resultOf(
      await finish(deps, earlier, {
        status: 'failed',
        error: 'an earlier attempt of this step did not record how the call ended; not called again',
      }),
      deps.now(),
    );
  }
  if (hook.kind === 'https') return resultOf(await callHttps(deps, item, hook, claim), deps.now());
  return resultOf(await startAgentCommand(deps, item, hook, claim), deps.now());
}

const finish = async (
  deps: HookDeps,
  call: HookCall,
  outcome: Partial<HookCall> & Pick<HookCall, 'status'>,
) => (await finishHookCall(deps, call, outcome, { actor: ACTOR })) ?? call;

/** Gives an awaiting call the token of the task that waits for its callback. */
async function awaitCallback(
  deps: HookDeps,
  item: SnapshotWorkItem,
  phase: HookPhase,
  taskToken: string,
): Promise<HookStepResult> {
  const call = await deps.store.hookCalls.get(item.tenantId, item.runId, item.guestId, phase);
  if (call?.status !== 'awaiting') throw new HookAlreadyAnsweredError();
  // A retried await (the task waited once already) replaces the earlier task's token.
  const waiting: HookCall = { ...call, taskToken };
  if (!(await deps.store.hookCalls.replaceIf(waiting, call))) throw new HookAlreadyAnsweredError();
  return resultOf(waiting, deps.now());
}

/** An awaited call whose wait ended: timed out once past its deadline (unless its callback won the race). */
async function expireAwaited(deps: HookDeps, item: SnapshotWorkItem, call: HookCall): Promise<HookCall> {
  if (deps.now() < call.deadline) return call;
  const seconds = Math.round((call.deadline - Date.parse(call.startedAt)) / 1000);
  const expired = await finishHookCall(
    deps,
    call,
    { status: 'timed-out', error: `no callback within ${seconds} s (the receiver answered 202)` },
    { actor: ACTOR, onlyIf: call },
  );
  return (
    expired ?? (await deps.store.hookCalls.get(item.tenantId, item.runId, item.guestId, call.phase)) ?? call
  );
}

/** The body a receiver gets: who, which run, which guest, the phase and, after, the outcome. */
async function hookBody(
  deps: HookDeps,
  item: SnapshotWorkItem,
  phase: HookPhase,
): Promise<Record<string, unknown>> {
  const guest = await deps.store.guests.get(item.tenantId, item.clusterId, item.vmid);
  const result =
    phase === 'post' ? await deps.store.runs.result(item.tenantId, item.runId, item.guestId) : undefined;
  return {
    type: `hook.${phase}`,
    tenant: item.tenantId,
    policy: { id: item.policyId, name: item.policyName, kind: item.kind },
    run: { id: item.runId, scheduledTime: item.scheduledTime },
    guest: {
      id: item.guestId,
      cluster: item.clusterId,
      node: item.node,
      vmid: item.vmid,
      type: item.guestType,
      name: guest?.name ?? null,
      tags: guest?.tags ?? [],
    },
    phase,
    ...(phase === 'post'
      ? {
          outcome: result
            ? {
                status: result.outcome,
                ...(result.error ? { error: result.error } : {}),
                ...(item.kind === 'backup'
                  ? { volid: result.volid ?? null }
                  : { snapshot: item.snapshotName }),
              }
            : { status: 'not-recorded' },
        }
      : {}),
  };
}

async function callHttps(
  deps: HookDeps,
  item: SnapshotWorkItem,
  hook: Extract<Hook, { kind: 'https' }>,
  call: HookCall,
): Promise<HookCall> {
  const secrets = await hookSecretOf(deps, item.tenantId, item.policyId);
  if (!secrets) {
    return await finish(deps, call, {
      status: 'failed',
      error: `the policy has no hook secret to sign with: POST /v1/policies/${item.policyId}/hook-secret`,
    });
  }
  const callback = newCallbackToken(call);
  const body = JSON.stringify({
    ...(await hookBody(deps, item, call.phase)),
    callback: { url: deps.callbackUrl(callback.token), deadline: new Date(call.deadline).toISOString() },
  });
  // The webhook id is the call's idempotency key: a receiver that sees it twice can tell.
  const id = `hook_${item.runId}_${item.guestId}_${call.phase}`;
  const timestamp = Math.floor(deps.now() / 1000);
  try {
    const response = await deps.hookCaller.call({
      url: hook.url,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, deps.now(), id, timestamp, body),
        'idempotency-key': id,
      },
      body,
      timeoutMs: Math.max(1, call.deadline - deps.now()),
    });
    if (response.status === ACCEPTED) {
      return await finish(deps, call, {
        status: 'awaiting',
        httpStatus: response.status,
        responseHead: responseHead(response.bodyHead),
        callbackHash: callback.hash,
      });
    }
    const ok = response.status >= 200 && response.status < 300;
    return await finish(deps, call, {
      status: ok ? 'succeeded' : 'failed',
      httpStatus: response.status,
      responseHead: responseHead(response.bodyHead),
      ...(ok ? {} : { error: `the receiver answered HTTP ${response.status}` }),
    });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    return await finish(deps, call, {
      status: timedOut ? 'timed-out' : 'failed',
      error: timedOut
        ? `no answer within ${Math.round((call.deadline - Date.parse(call.startedAt)) / 1000)} s`
        : (error as Error).message,
    });
  }
}

/** A receiver that will call back answers 202 Accepted at once. */
const ACCEPTED = 202;

const agentText = (error: unknown) =>
  error instanceof ProxmoxError ? error.proxmoxText.trim() : (error as Error).message;

async function startAgentCommand(
  deps: HookDeps,
  item: SnapshotWorkItem,
  hook: Extract<Hook, { kind: 'agent' }>,
  call: HookCall,
): Promise<HookCall> {
  if (item.guestType !== 'qemu') {
    return await finish(deps, call, {
      status: 'failed',
      error: `guest-agent hooks run in QEMU VMs only; ${item.vmid} is a container`,
    });
  }
  try {
    const started = await callProxmox(deps.proxmox, {
      tenantId: item.tenantId,
      clusterId: item.clusterId,
      command: {
        type: 'agentExec',
        node: item.node,
        vmid: item.vmid,
        command: hook.command,
        ...(hook.inputData !== undefined ? { inputData: hook.inputData } : {}),
      },
    });
    return await finish(deps, call, { status: 'running', pid: started.pid });
  } catch (error) {
    return await finish(deps, call, { status: 'failed', error: agentText(error) });
  }
}

async function checkAgentCommand(deps: HookDeps, item: SnapshotWorkItem, call: HookCall): Promise<HookCall> {
  try {
    const status = await callProxmox(deps.proxmox, {
      tenantId: item.tenantId,
      clusterId: item.clusterId,
      command: { type: 'agentExecStatus', node: item.node, vmid: item.vmid, pid: call.pid ?? 0 },
    });
    if (!status.exited) {
      if (deps.now() < call.deadline) return call;
      const seconds = Math.round((call.deadline - Date.parse(call.startedAt)) / 1000);
      return await finish(deps, call, {
        status: 'timed-out',
        error: `did not exit within ${seconds} s`,
      });
    }
    const output = `${status.outData ?? ''}${status.errData ?? ''}`;
    const ok = status.exitcode === 0;
    return await finish(deps, call, {
      status: ok ? 'succeeded' : 'failed',
      ...(status.exitcode !== undefined ? { exitCode: status.exitcode } : {}),
      ...(output ? { responseHead: responseHead(output) } : {}),
      ...(ok
        ? {}
        : {
            error:
              status.exitcode !== undefined
                ? `exit code ${status.exitcode}`
                : `ended by signal ${status.signal ?? 'unknown'}`,
          }),
    });
  } catch (error) {
    return await finish(deps, call, { status: 'failed', error: agentText(error) });
  }
}
