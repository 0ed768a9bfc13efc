import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGrants } from '#shared/local/iam/grants-cache.ts';
import type { LocalGrants } from '#shared/local/iam/template-grants.ts';
import { localFunctionArn } from '#shared/local/local-arns.ts';
import { THROTTLING_ERRORS } from '#shared/local/throttling/throttle-injector.ts';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';

/** The synthesized grants with every statement that lets `fn` invoke the connector taken out. */
async function withoutConnectorGrant(fn: string): Promise<LocalGrants> {
  const grants = structuredClone(await loadGrants());
  const role = grants.functions[fn]?.role ?? '';
  const statements = grants.roles[role]?.statements ?? [];
  grants.roles[role] = {
    statements: statements.filter(
      (statement) =>
        !(
          statement.actions.includes('lambda:InvokeFunction') &&
          statement.resources.includes(localFunctionArn('connector'))
        ),
    ),
  };
  return grants;
}

async function registerLab(api: TestApi): Promise<{ admin: Caller; operator: Caller; clusterId: string }> {
  const admin = await api.as('acme', 'admin');
  const clusterId = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  return { admin, operator: await api.as('acme', 'operator'), clusterId };
}

describe('a call the synthesized template does not grant', () => {
  let api: TestApi;
  let lab: Awaited<ReturnType<typeof registerLab>>;
  beforeAll(async () => {
    api = await startTestApi({ runtime: { grants: await withoutConnectorGrant('plan-operation') } });
    lab = await registerLab(api);
  });
  afterAll(() => api.stop());

  it('fails locally with AccessDeniedException, as it would in AWS: a restore planned without the connector grant', async () => {
    const { operator, clusterId } = lab;
    await operator.post(`/v1/guests/${clusterId}.104/snapshots`, { name: 'known-good' });
    await api.runtime.workflows.drain();
    const started = await operator.post(`/v1/guests/${clusterId}.104/snapshots/known-good/restore`, {
      mode: 'in_place',
    });
    expect(started.status).toBe(202);
    await api.runtime.workflows.drain();
    const op = (await operator.get(`/v1/operations/${started.body.id}`)).body;
    expect(op.status).toBe('failed');
    const role = api.runtime.iam.grants.functions['plan-operation']?.role;
    expect(JSON.stringify(op)).toContain(
      `assumed-role/${role}/plan-operation is not authorized to perform: lambda:InvokeFunction on resource: ${localFunctionArn('connector')}`,
    );
  });
});

type State = {
  Type: string;
  Resource?: string;
  Retry?: Array<{ ErrorEquals: string[] }>;
  ItemProcessor?: { States: Record<string, State> };
  Iterator?: { States: Record<string, State> };
};
const tasks = (states: Record<string, State>): Array<[string, State]> =>
  Object.entries(states).flatMap(([name, state]): Array<[string, State]> => {
    const inner = state.ItemProcessor ?? state.Iterator;
    return state.Type === 'Task' ? [[name, state]] : inner ? tasks(inner.States) : [];
  });

describe('throttling injected on demand', () => {
  const histories = new Map<string, number>();
  it('is what the synthesized state machines retry: each Lambda task its Lambda errors, each child start its start errors', async () => {
    const { definitions } = await loadWorkflowDefinitions();
    const all = Object.values(definitions).flatMap((definition) =>
      tasks((definition as { States: Record<string, State> }).States),
    );
    expect(all.length).toBeGreaterThan(0);
    for (const [name, task] of all) {
      const retried = (task.Retry ?? []).flatMap((retry) => retry.ErrorEquals);
      const injected = task.Resource?.startsWith('arn:aws:states:::states:startExecution')
        ? THROTTLING_ERRORS.startExecution
        : THROTTLING_ERRORS.lambda;
      for (const error of injected) expect(retried, `${name} retries ${error}`).toContain(error);
    }
  });

  let api: TestApi;
  let lab: Awaited<ReturnType<typeof registerLab>>;
  beforeAll(async () => {
    api = await startTestApi({
      env: { LOCAL_THROTTLE: 'lambda:0.15,startExecution:0.5,dynamodb:0.02', LOCAL_THROTTLE_SEED: '1' },
      runtime: { onWorkflowHistory: (execution, events) => histories.set(execution, events) },
    });
    lab = await registerLab(api);
  });
  afterAll(() => api.stop());

  it('is retried to success: a policy run completes under Lambda, StartExecution and DynamoDB throttling', async () => {
    const { admin } = lab;
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({ selector: { tags: ['prod'] }, concurrency: { perNode: 1 } }),
      )
    ).body;
    const started = await admin.post(`/v1/policies/${policy.id}/runs`);
    expect(started.status).toBe(202);
    await api.runtime.workflows.drain();
    const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', targets: 5, succeeded: 5, failed: 0 });
    const injected = api.runtime.throttle.injected;
    expect(injected.lambda).toBeGreaterThan(0);
    expect(injected.startExecution).toBeGreaterThan(0);
    // The run's own history is counted and reported, its lanes' (children) apart.
    const parent = histories.get(started.body.id) ?? 0;
    expect(parent).toBeGreaterThan(10);
    expect(histories.size).toBeGreaterThan(1);
  }, 120_000);
});
