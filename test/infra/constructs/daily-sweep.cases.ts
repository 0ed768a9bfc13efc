import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { DailySweep } from '#infra/constructs/daily-sweep.ts';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

function sweepTemplate() {
  const f = constructFixture();
  const connector = new ProxmoxConnector(f.stack, 'Connector', f);
  const pruneLanes = new StateMachine(f.stack, 'Lanes', {
    definitionBody: DefinitionBody.fromChainable(new Pass(f.stack, 'Noop')),
  });
  new DailySweep(f.stack, 'Sweep', { ...f, connector, pruneLanes, deadLetters: new Queue(f.stack, 'Dlq') });
  return Template.fromStack(f.stack);
}

describe('the daily sweep', () => {
  it('runs at 03:30 through a role that may invoke only the planner, which may invoke only the worker', () => {
    const template = sweepTemplate();
    const plannerId = functionId(template, 'DailySweepFunction');
    const workerId = functionId(template, 'SweepWorkerFunction');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Target: { Arn: { 'Fn::GetAtt': [plannerId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 3 } },
    });
    const planner = template.findResources('AWS::Lambda::Function')[plannerId];
    expect(planner?.Properties.Environment.Variables.SWEEP_WORKER_FUNCTION_NAME).toEqual({ Ref: workerId });
    const plannerActions = actionsOf(statementsOf(template, plannerId));
    expect(plannerActions).toContain('lambda:InvokeFunction');
    expect(plannerActions).not.toContain('states:StartExecution');
  });

  it('fans out to a worker with bounded concurrency, two retries and a dead-letter queue', () => {
    const template = sweepTemplate();
    const workerId = functionId(template, 'SweepWorkerFunction');
    const worker = template.findResources('AWS::Lambda::Function')[workerId];
    expect(worker?.Properties.ReservedConcurrentExecutions).toBe(10);
    expect(worker?.Properties.DeadLetterConfig.TargetArn['Fn::GetAtt'][0]).toMatch(/^SweepDeadLetters/);
    expect(worker?.Properties.Environment.Variables).toHaveProperty('PRUNE_LANE_STATE_MACHINE_ARN');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: workerId },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
    });
    // Starts prune lanes, calls the connector, enqueues its chunks to itself and dead-letters.
    expect(actionsOf(statementsOf(template, workerId))).toEqual(
      expect.arrayContaining(['states:StartExecution', 'lambda:InvokeFunction', 'sqs:SendMessage']),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [workerId, 'Arn'] } }],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^SweepWorkerFunction') }],
    });
  });
});
