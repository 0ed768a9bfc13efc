import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { constructFixture } from './constructs/construct-fixture.ts';

type Statement = { Action: string | string[]; Resource: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** Variables that name no resource the function calls: plain settings, or values passed on to another service. */
const SETTINGS = new Set([
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_LOG_LEVEL',
  'TENANT_CLAIM',
  'ROLE_CLAIM',
  'MAIL_FROM',
  'PUBLIC_API_URL',
  'AUDIT_RETENTION_DAYS',
  'IDEMPOTENCY_TTL_HOURS',
  'SERVICE_VERSION',
  'TENANT_PLANS',
  // Handed to EventBridge Scheduler in each schedule it writes; the scheduler's role sends to it.
  'SCHEDULE_DEAD_LETTER_ARN',
]);

const json = (value: unknown) => JSON.stringify(value);
const actionsOf = (statement: Statement) => [statement.Action].flat();

/** The grant a variable's value calls for, as (actions, does a statement's resource match). */
function requiredGrant(
  name: string,
  value: unknown,
): { actions: string[]; matches: (resource: unknown) => boolean } | undefined {
  const ref = (value as { Ref?: string }).Ref;
  const within = (resource: unknown, part: unknown) => json(resource).includes(json(part));
  if (name === 'TABLE_NAME') return { actions: ['dynamodb:GetItem'], matches: () => true };
  if (name.endsWith('_FUNCTION_NAME'))
    return { actions: ['lambda:InvokeFunction'], matches: (r) => within(r, { 'Fn::GetAtt': [ref, 'Arn'] }) };
  if (name.endsWith('_STATE_MACHINE_ARN'))
    return { actions: ['states:StartExecution'], matches: (r) => within(r, value) };
  if (name === 'EVENT_TOPIC_ARN') return { actions: ['sns:Publish'], matches: (r) => within(r, value) };
  if (name === 'EVENT_BUS_NAME') return { actions: ['events:PutEvents'], matches: () => true };
  if (name.endsWith('SECRET_PREFIX'))
    return {
      actions: ['secretsmanager:GetSecretValue'],
      matches: (r) => json(r).includes(`:secret:${String(value)}/*`),
    };
  if (name.endsWith('_SECRET_ARN'))
    return { actions: ['secretsmanager:GetSecretValue'], matches: (r) => within(r, value) };
  if (name === 'AGENT_CONNECTIONS_ENDPOINT')
    return { actions: ['execute-api:ManageConnections'], matches: () => true };
  if (name === 'SCHEDULE_GROUP_NAME') return { actions: ['scheduler:CreateSchedule'], matches: () => true };
  if (name === 'SCHEDULER_ROLE_ARN') return { actions: ['iam:PassRole'], matches: (r) => within(r, value) };
  return undefined;
}

/**
 * Every function of the template whose environment names a resource (connector, state machine,
 * topic, bus, secret prefix or secret, table) without the grant to use it; and every variable
 * this check does not know, so a new kind of resource gets its rule here.
 */
function missingGrants(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  const policies = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  const problems: string[] = [];
  // The service's own functions (CDK's deployment function for the console's files is not one).
  const functions = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs24.x',
  );
  for (const [id, fn] of functions) {
    const roleId = fn.Properties.Role?.['Fn::GetAtt']?.[0];
    const statements: Statement[] = policies
      .filter((p) => p.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
      if (SETTINGS.has(name)) continue;
      const grant = requiredGrant(name, value);
      if (!grant) {
        problems.push(`${id}: ${name} names something this check has no rule for`);
        continue;
      }
      for (const action of grant.actions) {
        const granted = statements.some((s) => actionsOf(s).includes(action) && grant.matches(s.Resource));
        if (!granted) problems.push(`${id}: ${name} without ${action} on it`);
      }
    }
  }
  return problems;
}

let stateless: Template | undefined;
/** The deployed stateless stack's template, synthesized once for the tests that read it. */
function statelessTemplate(): Template {
  if (stateless) return stateless;
  const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
  const built = buildApp(
    new App({
      context: {
        ...context,
        'aws:cdk:bundling-stacks': [],
        'pve-snapshots:smtpSecretArn': 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:smtp-AbCdEf',
      },
    }),
  );
  stateless = Template.fromStack(built.stateless);
  return stateless;
}

/** The statements of the role of the function whose service name is `service`. */
function statementsOf(template: Template, service: string): Statement[] {
  const resources = template.toJSON().Resources as Resources;
  const fn = Object.values(resources).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' &&
      r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service,
  );
  const roleId = fn?.Properties.Role?.['Fn::GetAtt']?.[0];
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((p) => p.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('the grants of every function', () => {
  it('give each function of the deployed stacks the access its environment names', () => {
    const template = statelessTemplate();
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).length).toBeGreaterThan(10);
    expect(missingGrants(template)).toEqual([]);
  }, 240_000);

  it('let the API (whose public route takes hook callbacks) answer only the lane\u2019s waiting tasks, and the hook step none', () => {
    const template = statelessTemplate();
    const resources = template.toJSON().Resources as Resources;
    const lane = Object.keys(resources).find(
      (id) => resources[id]?.Type === 'AWS::StepFunctions::StateMachine' && id.includes('LaneStateMachine'),
    );
    expect(lane).toBeDefined();
    const answering = (service: string) =>
      statementsOf(template, service).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('states:SendTask')),
      );
    const api = answering('pve-snapshots-api');
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure'])
      expect(api.some((s) => actionsOf(s).includes(action) && json(s.Resource) === json({ Ref: lane }))).toBe(
        true,
      );
    expect(api.every((s) => json(s.Resource) === json({ Ref: lane }))).toBe(true);
    // The hook step only stores the token; answering is the callback's (and a grant there would
    // make the lane, which invokes the step, depend on the step's role: a cycle).
    expect(answering('pve-snapshots-run-hook')).toEqual([]);
  }, 240_000);

  it('catches a function told the connector\u2019s name without leave to invoke it', () => {
    const f = constructFixture();
    const connector = new LambdaFunction(f.stack, 'Connector', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
    });
    new LambdaFunction(f.stack, 'Caller', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
      environment: { CONNECTOR_FUNCTION_NAME: connector.functionName, SOMETHING_ARN: 'arn:x' },
    });
    const problems = missingGrants(Template.fromStack(f.stack));
    expect(problems).toEqual([
      expect.stringMatching(/^Caller\w*: CONNECTOR_FUNCTION_NAME without lambda:InvokeFunction/),
      expect.stringMatching(/^Caller\w*: SOMETHING_ARN names something this check has no rule for/),
    ]);
  });
});
