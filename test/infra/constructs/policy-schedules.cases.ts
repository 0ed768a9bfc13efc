import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { PolicySchedules } from '#infra/constructs/policy-schedules.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

describe('the policy schedules', () => {
  it('let Scheduler only start policy runs, and the writer manage schedules only in the service’s group', () => {
    const f = constructFixture();
    const writer = new LambdaFunction(f.stack, 'Writer', {
      code: Code.fromInline('export const handler = () => {}'),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
    });
    const policyRun = new StateMachine(f.stack, 'PolicyRun', {
      definitionBody: DefinitionBody.fromChainable(new Pass(f.stack, 'Noop')),
    });
    const schedules = new PolicySchedules(f.stack, 'Schedules', {
      writer,
      policyRun,
      scheduleGroup: new ScheduleGroup(f.stack, 'Group'),
      deadLetters: new Queue(f.stack, 'Dlq'),
    });
    const template = Template.fromStack(f.stack);
    const roleId = f.stack.resolve(schedules.role.roleName).Ref;
    const rolePolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
    );
    const roleActions = actionsOf(
      rolePolicies.flatMap((policy) => policy.Properties.PolicyDocument.Statement),
    );
    expect(roleActions.filter((a) => !a.startsWith('sqs:'))).toEqual(['states:StartExecution']);
    const writerStatements = statementsOf(template, functionId(template, 'Writer'));
    const scheduler = writerStatements.find((s) => actionsOf([s]).includes('scheduler:CreateSchedule'));
    expect(JSON.stringify(scheduler.Resource)).toContain(':schedule/');
    expect(JSON.stringify(scheduler.Resource)).toContain('/*');
    expect(actionsOf(writerStatements)).toContain('iam:PassRole');
  });
});
