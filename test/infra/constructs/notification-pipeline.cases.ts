import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NotificationPipeline } from '#infra/constructs/notification-pipeline.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

function build(smtpSecretArn?: string) {
  const f = constructFixture();
  new NotificationPipeline(f.stack, 'Notifications', {
    ...f,
    topic: f.events.topic,
    publicApiUrl: 'https://api.example',
    ...(smtpSecretArn ? { smtpSecretArn } : {}),
  });
  return Template.fromStack(f.stack);
}

describe('the notification pipeline', () => {
  it('delivers raw topic messages to a queue that dead-letters after five receives', () => {
    const template = build();
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 5 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('hides a message for three times the notifier’s timeout, so a slow batch is not delivered twice', () => {
    const template = build();
    const notifier =
      template.findResources('AWS::Lambda::Function')[functionId(template, 'NotifierFunction')];
    const queue = Object.values(template.findResources('AWS::SQS::Queue')).find(
      (q) => q.Properties.RedrivePolicy,
    );
    expect(queue?.Properties.VisibilityTimeout).toBe(notifier?.Properties.Timeout * 3);
    expect(notifier?.Properties.Timeout).toBe(Duration.minutes(2).toSeconds());
  });

  it('lets the notifier read webhook secrets under their own prefix and the SMTP secret, never a cluster token, and create none', () => {
    const smtp = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:smtp-AbCdEf';
    const template = build(smtp);
    const statements = statementsOf(template, functionId(template, 'NotifierFunction'));
    const secretActions = actionsOf(statements).filter((a) => a.startsWith('secretsmanager:'));
    expect(new Set(secretActions)).toEqual(
      new Set(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']),
    );
    const secretResources = JSON.stringify(
      statements
        .filter((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue'))
        .map((s) => s.Resource),
    );
    expect(secretResources).toContain(':secret:svc/webhooks/*');
    expect(secretResources).toContain(smtp);
    // The notifier calls arbitrary internet addresses: no cluster's Proxmox token is readable by it.
    expect(secretResources).not.toContain('svc/clusters');
    const notifier =
      template.findResources('AWS::Lambda::Function')[functionId(template, 'NotifierFunction')];
    expect(notifier?.Properties.Environment.Variables).toMatchObject({
      WEBHOOK_SECRET_PREFIX: 'svc/webhooks',
    });
    expect(notifier?.Properties.Environment.Variables).not.toHaveProperty('SECRET_PREFIX');
  });
});
