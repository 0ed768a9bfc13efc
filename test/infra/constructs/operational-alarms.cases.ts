import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { OperationalAlarms } from '#infra/constructs/operational-alarms.ts';
import { constructFixture } from './construct-fixture.ts';

const lambda = (scope: Construct, id: string) =>
  new LambdaFunction(scope, id, {
    code: Code.fromInline('export const handler = () => {}'),
    handler: 'index.handler',
    runtime: Runtime.NODEJS_24_X,
  });

function build(options: { alarmEmail?: string; everything?: boolean } = {}) {
  const f = constructFixture();
  const apiFunction = lambda(f.stack, 'Api');
  const extra = options.everything
    ? (() => {
        const connector = lambda(f.stack, 'Conn');
        const notifier = lambda(f.stack, 'Notify');
        const worker = lambda(f.stack, 'Worker');
        const machine = new StateMachine(f.stack, 'Machine', {
          definitionBody: DefinitionBody.fromChainable(new Pass(f.stack, 'Noop')),
        });
        return {
          functions: { Api: apiFunction, Connector: connector, Notifier: notifier, SweepWorker: worker },
          failingFunctions: { Notifier: notifier, SweepWorker: worker },
          connector,
          stateMachines: { PolicyRun: machine },
          deadLetterQueues: {
            ScheduleDeadLetters: new Queue(f.stack, 'SchedDlq'),
            NotifierDeadLetters: new Queue(f.stack, 'NotifyDlq'),
          },
          table: f.table,
        };
      })()
    : {};
  const alarms = new OperationalAlarms(f.stack, 'Alarms', {
    httpApi: new HttpApi(f.stack, 'Http'),
    apiFunction,
    ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    ...extra,
  });
  return { template: Template.fromStack(f.stack), alarms, stack: f.stack };
}

const alarmIds = (template: Template) => Object.keys(template.findResources('AWS::CloudWatch::Alarm'));

describe('the operational alarms', () => {
  it('raise on any API 5xx, API function error or throttle, each sent to the alarm topic', () => {
    const { template } = build();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(['5xx', 'Errors', 'Throttles']);
    for (const alarm of alarms) {
      expect(alarm.Properties.Threshold).toBe(1);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('raise on throttles, notifier and sweep errors, failed executions, dead letters and table throttling, all to one topic', () => {
    const { template } = build({ everything: true });
    const ids = alarmIds(template);
    for (const prefix of [
      'ConnectorThrottles',
      'NotifierThrottles',
      'SweepWorkerThrottles',
      'NotifierErrors',
      'SweepWorkerErrors',
      'ConnectorErrorRate',
      'PolicyRunExecutionsFailed',
      'PolicyRunExecutionsTimedOut',
      'PolicyRunExecutionThrottled',
      'ScheduleDeadLettersDepth',
      'NotifierDeadLettersDepth',
      'TableThrottledRequests',
    ]) {
      expect({ prefix, found: ids.some((id) => id.startsWith(prefix)) }).toEqual({ prefix, found: true });
    }
    // The API's throttle alarm is not doubled by the list of every function.
    expect(ids.filter((id) => id.startsWith('ApiThrottles'))).toEqual([]);
    const topics = Object.keys(template.findResources('AWS::SNS::Topic')).filter((id) =>
      id.startsWith('Alarms'),
    );
    expect(topics).toHaveLength(1);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0] }]);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionThrottled',
      Namespace: 'AWS/States',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ThrottledRequests', Namespace: 'AWS/DynamoDB' }),
          }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 25,
      EvaluationPeriods: 3,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * errors / MAX([invocations, 1])' })]),
    });
    // Each dead-letter queue's URL is an output, for the redrive commands in the README.
    expect(Object.keys(template.findOutputs('*')).filter((id) => id.includes('DeadLetters'))).toHaveLength(2);
  });

  it('mails the alarm topic only when an address is configured', () => {
    build().template.resourceCountIs('AWS::SNS::Subscription', 0);
    build({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});
