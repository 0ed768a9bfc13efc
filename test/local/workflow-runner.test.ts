import { describe, expect, it } from 'vitest';
import { LocalWorkflowRunner, PAYLOAD_LIMIT_BYTES } from '#shared/local/workflows/local-workflow-runner.ts';
import { localFunctionArn, localStateMachineArn } from '#shared/local/workflows/synthesized-definition.ts';

const arn = localStateMachineArn('Tiny');
const definition = {
  StartAt: 'Produce',
  States: {
    Produce: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: localFunctionArn('produce'), 'Payload.$': '$' },
      ResultSelector: { 'value.$': '$.Payload' },
      End: true,
    },
  },
};

describe('the local workflow runner', () => {
  it('fails a task whose result passes Step Functions\u2019 256 KiB limit, as AWS would', async () => {
    const errors: unknown[] = [];
    const runner = new LocalWorkflowRunner(
      { [arn]: definition },
      arn,
      { produce: async (input) => 'x'.repeat((input as { bytes: number }).bytes) },
      { onExecutionError: (_name, error) => errors.push(error) },
    );
    expect(await runner.start('small', { bytes: 1000 })).toEqual({ value: 'x'.repeat(1000) });
    expect(await runner.start('large', { bytes: PAYLOAD_LIMIT_BYTES + 1 })).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message) + (errors[0] as Error).name).toMatch(
      /DataLimitExceeded|more than Step Functions/,
    );
  });
});
