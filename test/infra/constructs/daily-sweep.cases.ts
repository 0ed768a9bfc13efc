import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { DailySweep } from '#infra/constructs/daily-sweep.ts';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

describe('the daily sweep', () => {
  it('runs at 03:30 through a role that may invoke only the sweep, which may start prune-only lanes', () => {
    const f = constructFixture();
    const connector = new ProxmoxConnector(f.stack, 'Connector', f);
    const pruneLanes = new StateMachine(f.stack, 'Lanes', {
      definitionBody: DefinitionBody.fromChainable(new Pass(f.stack, 'Noop')),
    });
    new DailySweep(f.stack, 'Sweep', { ...f, connector, pruneLanes, deadLetters: new Queue(f.stack, 'Dlq') });
    const template = Template.fromStack(f.stack);
    const sweepId = functionId(template, 'DailySweepFunction');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Target: { Arn: { 'Fn::GetAtt': [sweepId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 3 } },
    });
    const sweep = template.findResources('AWS::Lambda::Function')[sweepId];
    expect(sweep?.Properties.Environment.Variables).toHaveProperty('PRUNE_LANE_STATE_MACHINE_ARN');
    expect(actionsOf(statementsOf(template, sweepId))).toEqual(
      expect.arrayContaining(['states:StartExecution', 'lambda:InvokeFunction']),
    );
  });
});
