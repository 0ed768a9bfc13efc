import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGrants } from '#shared/local/iam/grants-cache.ts';
import type { LocalGrants } from '#shared/local/iam/template-grants.ts';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';
import { scaledWaits } from '#shared/local/workflows/scaled-waits.ts';
import { type Caller, policyBody, startTestApi } from '#test/support/api.ts';

/** The demo cluster's guests on node pve1: one lane, one guest after another at one per node. */
const PVE1 = [100, 101, 200];

type RuntimeOptions = NonNullable<NonNullable<Parameters<typeof startTestApi>[0]>['runtime']>;

/** The local runtime with `runtime`'s options, a lab cluster, and a run over pve1's guests. */
async function startScenario(runtime: RuntimeOptions) {
  const entered = new Map<string, number>();
  /** How each `RunFastLane` task failed (Step Functions' Error and Cause). */
  const fastLaneFailures: Array<{ error: unknown; cause: unknown }> = [];
  const api = await startTestApi({
    runtime: {
      ...runtime,
      onWorkflowEvent: (_execution, event) => {
        if (event.type === 'StateEntered' && event.state)
          entered.set(event.state.name, (entered.get(event.state.name) ?? 0) + 1);
        if (event.type === 'StateFailed' && event.state?.name === 'RunFastLane' && 'Error' in event)
          fastLaneFailures.push({ error: event.Error, cause: 'Cause' in event ? event.Cause : undefined });
      },
    },
  });
  const admin: Caller = await api.as('acme', 'admin');
  const clusterId: string = (await admin.post('/v1/clusters', api.clusterBody({ name: 'lab' }))).body.id;
  const runPve1 = async (namePrefix: string) => {
    const policy = (
      await admin.post(
        '/v1/policies',
        policyBody({
          selector: { guests: PVE1.map((vmid) => `${clusterId}.${vmid}`) },
          snapshot: { namePrefix },
          concurrency: { perNode: 1 },
        }),
      )
    ).body;
    entered.clear();
    fastLaneFailures.length = 0;
    const started = await admin.post(`/v1/policies/${policy.id}/runs`);
    expect(started.status).toBe(202);
    await api.runtime.workflows.drain();
    return (await admin.get(`/v1/runs/${started.body.id}`)).body;
  };
  const snapshotsNamed = (vmid: number, name: string) =>
    (api.simulator.sim.state.guests.find((guest) => guest.vmid === vmid)?.snapshots ?? []).filter(
      (snapshot) => snapshot.name === name,
    );
  return {
    api,
    runPve1,
    snapshotsNamed,
    fastLaneFailures,
    times: (state: string) => entered.get(state) ?? 0,
  };
}

describe('a fast lane that fails after it took snapshots', () => {
  let scenario: Awaited<ReturnType<typeof startScenario>>;
  beforeAll(async () => {
    const { definitions } = await loadWorkflowDefinitions();
    scenario = await startScenario({
      // The lane looks at each task 1 s after starting it and may run 1.5 s: it runs past its
      // limit (States.Timeout) after its first guest is recorded, while the second waits for its
      // first look at a snapshot already taken.
      expressLimitMs: 1500,
      workflowWaitOverrides: { ...scaledWaits(definitions, 0.004), FastWaitForTaskStart: 1000 },
    });
  });
  afterAll(() => scenario.api.stop());

  it('is redone by the Standard lane, which finds each snapshot taken and records it: one snapshot and one result per guest', async () => {
    const { runPve1, snapshotsNamed, fastLaneFailures, times } = scenario;
    const run = await runPve1('redo');
    expect(fastLaneFailures).toEqual([
      { error: 'States.Timeout', cause: expect.stringContaining('1.5 seconds') },
    ]);
    expect(run).toMatchObject({ status: 'succeeded', targets: 3, succeeded: 3, failed: 0 });
    expect(run.results.map((result: { vmid: number }) => result.vmid).sort()).toEqual(PVE1);
    for (const result of run.results)
      expect(snapshotsNamed(result.vmid, result.snapshotName)).toHaveLength(1);
    // The fast lane started snapshots and failed; the Standard lane redid the whole lane and
    // found every snapshot the fast lane had started taken (deterministic names).
    expect(times('FastCreateSnapshot')).toBeGreaterThanOrEqual(1);
    expect(times('FastCreateSnapshot')).toBeLessThan(PVE1.length);
    expect(times('RunLane')).toBe(1);
    expect(times('RecordAlreadyTaken')).toBe(times('FastCreateSnapshot'));
    expect(times('RecordSucceeded')).toBe(PVE1.length - times('FastCreateSnapshot'));
  });
});

describe('a fast lane whose time to start guests runs out', () => {
  let scenario: Awaited<ReturnType<typeof startScenario>>;
  beforeAll(async () => {
    const { definitions } = await loadWorkflowDefinitions();
    scenario = await startScenario({
      // The lane may start guests for 1 s after its start; the first guest's first look comes
      // 2.5 s after its start, so the next guest would start past that.
      fastLaneStartWithinMs: 1000,
      workflowWaitOverrides: { ...scaledWaits(definitions, 0.004), FastWaitForTaskStart: 2500 },
    });
  });
  afterAll(() => scenario.api.stop());

  it('starts no guest after it and hands the rest, unstarted, to the Standard lane: one snapshot and one result per guest', async () => {
    const { runPve1, snapshotsNamed, fastLaneFailures, times } = scenario;
    const run = await runPve1('late');
    expect(fastLaneFailures).toEqual([]);
    expect(run).toMatchObject({ status: 'succeeded', targets: 3, succeeded: 3, failed: 0 });
    for (const result of run.results)
      expect(snapshotsNamed(result.vmid, result.snapshotName)).toHaveLength(1);
    // The first guest on the fast lane; the others refused at their create (nothing reached
    // Proxmox) and started by the Standard lane.
    expect(times('FastCreateSnapshot')).toBe(PVE1.length);
    expect(times('FastRecordSucceeded')).toBe(1);
    expect(times('FastHandBackUnstarted')).toBe(PVE1.length - 1);
    expect(times('FinishLane')).toBe(1);
    expect(times('CreateSnapshot')).toBe(PVE1.length - 1);
    expect(times('RecordAlreadyTaken')).toBe(0);
    expect(times('RecordSucceeded')).toBe(PVE1.length - 1);
  });
});

/** The synthesized grants without the one that lets the run describe Express (fast-lane) executions. */
async function withoutExpressGrant(): Promise<LocalGrants> {
  const grants = structuredClone(await loadGrants());
  for (const [name, role] of Object.entries(grants.roles))
    grants.roles[name] = {
      statements: role.statements.filter(
        (statement) => !statement.resources.some((resource) => resource.includes(':express:')),
      ),
    };
  return grants;
}

describe('a run whose role may not follow its fast lanes (the grant on express:<lane>:* taken out)', () => {
  let scenario: Awaited<ReturnType<typeof startScenario>>;
  beforeAll(async () => {
    scenario = await startScenario({ grants: await withoutExpressGrant() });
  });
  afterAll(() => scenario.api.stop());

  it('fails each fast lane with AccessDenied on DescribeExecution of its Express ARN, as AWS would; the Standard lane does the work', async () => {
    const { runPve1, snapshotsNamed, fastLaneFailures, times } = scenario;
    const run = await runPve1('denied');
    expect(run).toMatchObject({ status: 'succeeded', targets: 3, succeeded: 3 });
    for (const result of run.results)
      expect(snapshotsNamed(result.vmid, result.snapshotName)).toHaveLength(1);
    expect(times('FastLoadLane')).toBe(0);
    expect(times('RunLane')).toBe(1);
    expect(fastLaneFailures).toEqual([
      {
        error: 'StepFunctions.AccessDeniedException',
        cause: expect.stringMatching(
          /is not authorized to perform: states:DescribeExecution on resource: arn:aws:states:local:000000000000:express:[^:]+:child-\d+:[0-9a-f-]{36} /,
        ),
      },
    ]);
  });
});
