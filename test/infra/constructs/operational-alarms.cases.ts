import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { OperationalAlarms } from '#infra/constructs/operational-alarms.ts';
import { constructFixture } from './construct-fixture.ts';

function build(alarmEmail?: string) {
  const f = constructFixture();
  const apiFunction = new LambdaFunction(f.stack, 'Api', {
    code: Code.fromInline('export const handler = () => {}'),
    handler: 'index.handler',
    runtime: Runtime.NODEJS_24_X,
  });
  new OperationalAlarms(f.stack, 'Alarms', {
    httpApi: new HttpApi(f.stack, 'Http'),
    apiFunction,
    ...(alarmEmail ? { alarmEmail } : {}),
  });
  return Template.fromStack(f.stack);
}

describe('the operational alarms', () => {
  it('raise on any API 5xx, API function error or throttle, each sent to the alarm topic', () => {
    const template = build();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(['5xx', 'Errors', 'Throttles']);
    for (const alarm of alarms) {
      expect(alarm.Properties.Threshold).toBe(1);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      expect(alarm.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('mails the alarm topic only when an address is configured', () => {
    build().resourceCountIs('AWS::SNS::Subscription', 0);
    build('ops@example.com').hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });
});
