import { Match, Template } from 'aws-cdk-lib/assertions';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { EndedExecutions } from '#infra/constructs/ended-executions.ts';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

describe('the ended-execution handler', () => {
  it('sends every FAILED, TIMED_OUT or ABORTED execution of the three workflows to a function that may finish them', () => {
    const f = constructFixture();
    const connector = new ProxmoxConnector(f.stack, 'Connector', f);
    const machine = (id: string) =>
      new StateMachine(f.stack, id, {
        definitionBody: DefinitionBody.fromChainable(new Pass(f.stack, `${id}Noop`)),
      });
    new EndedExecutions(f.stack, 'Ended', {
      ...f,
      connector,
      policyRun: machine('PolicyRun'),
      guestOperation: machine('GuestOperation'),
      restoreTest: machine('RestoreTest'),
    });
    const template = Template.fromStack(f.stack);
    const handlerId = functionId(template, 'ExecutionEndedFunction');
    for (const [workflow, machineId] of [
      ['policy-run', 'PolicyRun'],
      ['guest-operation', 'GuestOperation'],
      ['restore-test', 'RestoreTest'],
    ]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: {
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
            stateMachineArn: [{ Ref: Match.stringLikeRegexp(`^${machineId}`) }],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [handlerId, 'Arn'] },
            InputTransformer: {
              InputPathsMap: { detail: '$.detail' },
              InputTemplate: `{"workflow":"${workflow}","detail":<detail>}`,
            },
          }),
        ],
      });
    }
    const actions = actionsOf(statementsOf(template, handlerId));
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'sns:Publish',
        'events:PutEvents',
        'lambda:InvokeFunction',
      ]),
    );
  });
});
