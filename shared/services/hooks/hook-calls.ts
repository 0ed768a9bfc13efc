import type { AuditContext } from '#shared/domain/audit.ts';
import { NotFoundError } from '#shared/domain/errors.ts';
import type { HookCall } from '#shared/domain/hooks/hook-call.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** A run's hook calls as the API shows them (the caller's tenant only; no internal fields). */
export async function listHookCalls(
  deps: Pick<ServiceDeps, 'store'>,
  context: AuditContext,
  runId: string,
): Promise<Array<Omit<HookCall, 'tenantId' | 'runId' | 'deadline' | 'pid' | 'callbackHash' | 'taskToken'>>> {
  const tenantId = context.principal.tenantId;
  if (!(await deps.store.runs.get(tenantId, runId))) throw new NotFoundError('run', runId);
  const calls = await deps.store.hookCalls.ofRun(tenantId, runId);
  // The callback token's hash and the waiting task's token are the service's own, never shown.
  return calls.map(
    ({ tenantId: _t, runId: _r, deadline: _d, pid: _p, callbackHash: _h, taskToken: _k, ...view }) => view,
  );
}
