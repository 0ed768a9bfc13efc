import { describe, expect, it } from 'vitest';
import { FOLLOW_HEARTBEAT_SECONDS } from '#infra/constructs/policy-run-workflow.ts';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';

type State = {
  Type: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Parameters?: { Payload?: { command?: { type?: string } } };
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  ItemProcessor?: Definition;
};
type Definition = { TimeoutSeconds?: number; States: Record<string, State> };

const tasks = (definition: Definition): Array<[string, State]> =>
  Object.entries(definition.States).flatMap(
    ([name, state]): Array<[string, State]> =>
      state.Type === 'Task' ? [[name, state]] : state.ItemProcessor ? tasks(state.ItemProcessor) : [],
  );

describe('the workflows\u2019 task limits', () => {
  const workflows = synthesizePolicyRunDefinitions();
  const all = Object.values(workflows.definitions) as unknown as Definition[];

  it('gives every task an explicit timeout, and heartbeats only to tasks that wait for their token (the local runner enforces those)', () => {
    const found = all.flatMap(tasks);
    expect(found.length).toBeGreaterThan(10);
    // A hook's wait for its receiver's callback ends at the hook's deadline, read from the input.
    const awaitsCallback = (name: string) => /^Await(Pre|Post)HookCallback$/.test(name);
    for (const [name, state] of found) {
      if (awaitsCallback(name))
        expect({ name, timeout: state.TimeoutSecondsPath }).toEqual({
          name,
          timeout: '$.hook.value.waitSeconds',
        });
      else expect({ name, timeout: state.TimeoutSeconds }).toEqual({ name, timeout: expect.any(Number) });
      if (state.Resource?.endsWith('.waitForTaskToken') && !awaitsCallback(name))
        expect({ name, heartbeat: state.HeartbeatSeconds }).toEqual({ name, heartbeat: 60 });
      else expect({ name, heartbeat: state.HeartbeatSeconds }).toEqual({ name, heartbeat: undefined });
    }
    // The agent beats three times within the heartbeat timeout; a callback is one answer, no beats.
    expect(
      found
        .filter(([, state]) => state.Resource?.endsWith('.waitForTaskToken'))
        .map(([name]) => name)
        .sort(),
    ).toEqual([
      'AwaitPostHookCallback',
      'AwaitPreHookCallback',
      'FollowBackupTask',
      'FollowStep',
      'FollowTask',
    ]);
    expect(FOLLOW_HEARTBEAT_SECONDS * 3).toBe(60);
  });

  it('waits for a lane as long as the lane may run, never the minute the local library would impose', () => {
    const parent = workflows.definitions[workflows.policyRunArn] as unknown as Definition;
    const lane = workflows.definitions[workflows.laneArn] as unknown as Definition;
    const runLane = tasks(parent).find(([name]) => name === 'RunLane')?.[1];
    expect(runLane?.Resource).toMatch(/startExecution\.sync/);
    expect(runLane?.TimeoutSeconds).toBe(lane.TimeoutSeconds);
    expect(lane.TimeoutSeconds).toBeGreaterThanOrEqual(3600);
  });

  it('lets each Lambda task outlast its function\u2019s own timeout (30 s steps, 90 s connector)', () => {
    // The hook's await step only stores its task token; its task lasts as long as the hook may.
    for (const [name, state] of all
      .flatMap(tasks)
      .filter(([, s]) => s.Resource?.includes('lambda:invoke') && s.TimeoutSecondsPath === undefined)) {
      const connector = JSON.stringify(state).includes('function:connector');
      expect({ name, longer: (state.TimeoutSeconds ?? 0) > (connector ? 90 : 30) }).toEqual({
        name,
        longer: true,
      });
    }
  });

  it('looks again at a status poll that met a server error, but never resends a call that changes state on one', () => {
    const found = Object.fromEntries(all.flatMap(tasks));
    const retriesServerErrors = (name: string) =>
      (found[name]?.Retry ?? []).some((retry) => retry.ErrorEquals.includes('ProxmoxServerError'));
    for (const poll of ['CheckTask', 'CheckDelete', 'CheckStep'])
      expect({ poll, retried: retriesServerErrors(poll) }).toEqual({ poll, retried: true });
    for (const change of ['CreateSnapshot', 'DeleteSnapshot', 'RunStep'])
      expect({ change, retried: retriesServerErrors(change) }).toEqual({ change, retried: false });
    expect(found.CheckTask?.Parameters?.Payload?.command?.type).toBe('snapshotTaskStatus');
  });
});
