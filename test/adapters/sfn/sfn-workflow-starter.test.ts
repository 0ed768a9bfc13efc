import { ExecutionAlreadyExists, type SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { SfnWorkflowStarter } from '#shared/adapters/sfn/sfn-workflow-starter.ts';

/** A Step Functions client that records StartExecution calls and answers as told (the AWS boundary only). */
function sfnClient(answer: () => unknown = () => ({})) {
  const sent: Array<Record<string, any>> = [];
  const client = {
    send: async (command: { input: Record<string, any> }) => {
      sent.push(command.input);
      return answer();
    },
  } as unknown as SFNClient;
  return { client, sent };
}

const lane = { tenantId: 't1', laneSetId: 'prune-2026-11-23-abc', index: 0 };

describe('the Step Functions workflow starter', () => {
  it('starts a prune lane on the lane state machine, named as asked, with the lane as input', async () => {
    const { client, sent } = sfnClient();
    const starter = new SfnWorkflowStarter(client, {
      pruneLane: 'arn:aws:states:eu-central-1:1:stateMachine:lane',
    });
    await starter.startPruneLane('prune-2026-11-23-abc', lane);
    expect(sent).toEqual([
      {
        stateMachineArn: 'arn:aws:states:eu-central-1:1:stateMachine:lane',
        name: 'prune-2026-11-23-abc',
        input: JSON.stringify(lane),
      },
    ]);
  });

  it('treats an execution that already exists as started (a sweep run twice the same day)', async () => {
    const { client } = sfnClient(() => {
      throw new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    });
    const starter = new SfnWorkflowStarter(client, { pruneLane: 'arn:lane', policyRun: 'arn:run' });
    await expect(starter.startPruneLane('prune-x', lane)).resolves.toBeUndefined();
    await expect(
      starter.startPolicyRun('run_1', {
        tenantId: 't1',
        policyId: 'pol_1',
        scheduledTime: '2026-11-23T02:00:00.000Z',
        trigger: 'schedule',
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses to start a state machine the function was not given', async () => {
    const { client, sent } = sfnClient();
    const starter = new SfnWorkflowStarter(client, { policyRun: 'arn:run' });
    await expect(starter.startPruneLane('prune-x', lane)).rejects.toThrow(/no pruneLane state machine/);
    expect(sent).toEqual([]);
  });
});
