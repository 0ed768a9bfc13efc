import { App } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ServiceTable } from '#infra/constructs/service-table.ts';
import { WiredStack } from '#infra/constructs/wiring.ts';

/**
 * A small stack for one construct's template test, with the stateful pieces it is wired to.
 * Bundling is off (`aws:cdk:bundling-stacks`): these tests are about wiring, not code.
 */
export function constructFixture() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // A WiredStack, so logical ids read as in the service's own stack.
  const stack = new WiredStack(app, 'Probe');
  const table = new ServiceTable(stack, 'Data', { retain: false }).table;
  const events = { topic: new Topic(stack, 'Topic'), bus: new EventBus(stack, 'Bus') };
  const cursorKey = new Secret(stack, 'CursorKey');
  const confirmationKey = new Secret(stack, 'ConfirmationKey');
  return {
    app,
    stack,
    table,
    events,
    cursorKey,
    confirmationKey,
    clusterSecretPrefix: 'svc/clusters',
    webhookSecretPrefix: 'svc/webhooks',
  };
}

/** Every IAM statement in the template granted to the role of the function with this logical id. */
export function statementsOf(template: import('aws-cdk-lib/assertions').Template, functionId: string) {
  const fn = template.findResources('AWS::Lambda::Function')[functionId];
  if (!fn) throw new Error(`no function ${functionId}`);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The logical id of the only function whose id starts with `prefix`. */
export function functionId(template: import('aws-cdk-lib/assertions').Template, prefix: string): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) =>
    id.startsWith(prefix),
  );
  if (ids.length !== 1) throw new Error(`expected one function ${prefix}*, found ${ids.join(', ')}`);
  return ids[0] as string;
}

export const actionsOf = (statements: Array<{ Action: string | string[] }>) =>
  statements.flatMap((s) => [s.Action].flat());
