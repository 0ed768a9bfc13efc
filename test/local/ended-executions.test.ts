import { describe, expect, it } from 'vitest';
import {
  type LocalEndedExecution,
  LocalWorkflowRunner,
} from '#shared/local/workflows/local-workflow-runner.ts';

const ARN = 'arn:aws:states:local:000000000000:stateMachine:Probe';
const task = (fn: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `arn:aws:lambda:local:000000000000:function:${fn}`, 'Payload.$': '$' },
  TimeoutSeconds: 60,
  End: true,
});

function runner(functions: Record<string, (payload: unknown) => Promise<unknown>>) {
  const ended: LocalEndedExecution[] = [];
  const definition = { StartAt: 'Step', States: { Step: task('step') } };
  const local = new LocalWorkflowRunner({ [ARN]: definition }, ARN, functions, {
    onExecutionEnded: (execution) => ended.push(execution),
  });
  return { local, ended };
}

describe('the local runner\u2019s report of executions that ended early', () => {
  it('reports an execution whose step threw unexpectedly as FAILED, with the error and its message', async () => {
    const { local, ended } = runner({
      step: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    });
    await local.start('run-1', { tenantId: 'acme' });
    expect(ended).toEqual([
      expect.objectContaining({
        name: 'run-1',
        arn: ARN,
        input: { tenantId: 'acme' },
        status: 'FAILED',
        error: 'TypeError',
        cause: expect.stringContaining('cannot read properties of undefined'),
      }),
    ]);
  });

  it('reports an execution stopped with stopExecution as ABORTED, but neither a success nor a shutdown', async () => {
    let release = () => {};
    const { local, ended } = runner({
      step: () => new Promise((resolve) => (release = () => resolve({ done: true }))),
    });
    const stopped = local.start('stopped', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    local.stopExecution('stopped');
    await stopped;
    expect(ended.map((e) => [e.name, e.status])).toEqual([['stopped', 'ABORTED']]);

    const succeeded = local.start('succeeded', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await succeeded;
    const shutDown = local.start('shut-down', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    local.stop();
    await shutDown;
    expect(ended.map((e) => e.name)).toEqual(['stopped']);
  });
});
