import { describe, expect, it } from 'vitest';
import { synthesizePolicyRunDefinitions } from '#shared/local/workflows/synthesized-definition.ts';

type State = {
  Type: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  Parameters?: { Payload?: { command?: { type?: string } } };
  Resource?: string;
  TimeoutSeconds?: number;
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

  it('gives every task an explicit timeout and no heartbeat, so AWS and the local runner end tasks alike', () => {
    const found = all.flatMap(tasks);
    expect(found.length).toBeGreaterThan(10);
    for (const [name, state] of found) {
      expect({ name, timeout: state.TimeoutSeconds }).toEqual({ name, timeout: expect.any(Number) });
      expect({ name, heartbeat: state.HeartbeatSeconds }).toEqual({ name, heartbeat: undefined });
    }
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
    for (const [name, state] of all.flatMap(tasks).filter(([, s]) => s.Resource?.includes('lambda:invoke'))) {
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
