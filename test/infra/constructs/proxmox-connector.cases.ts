import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { invokes } from '#infra/constructs/function-uses.ts';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { workflowStep } from '#infra/constructs/workflow-steps.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

describe('the Proxmox connector', () => {
  it('reads the table, writes only items it puts or updates (agent commands, guard counters), reads the token secrets; callers may invoke it and nothing more', () => {
    const f = constructFixture();
    const connector = new ProxmoxConnector(f.stack, 'Connector', f);
    workflowStep(f.stack, 'CallerFunction', 'resolve-targets', [invokes(connector.function)]);
    const template = Template.fromStack(f.stack);
    const own = actionsOf(statementsOf(template, functionId(template, 'ConnectorFunction')));
    expect(own).toContain('dynamodb:GetItem');
    expect(own.filter((a) => /dynamodb:(Delete|BatchWrite)/.test(a))).toEqual([]);
    expect(own).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(own.filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:GetSecretValue']);
    const caller = actionsOf(statementsOf(template, functionId(template, 'CallerFunction')));
    expect(caller).toContain('lambda:InvokeFunction');
  });

  it('hands the operator’s plans to the connector only when configured, so runs check the same plans as the API', () => {
    const plans = JSON.stringify({ free: { quotas: { clusters: 2 } } });
    const variablesOf = (props: { tenantPlans?: string; defaultPlan?: string }) => {
      const f = constructFixture();
      new ProxmoxConnector(f.stack, 'Connector', { ...f, ...props });
      return Object.values(Template.fromStack(f.stack).findResources('AWS::Lambda::Function'))[0]?.Properties
        .Environment.Variables;
    };
    expect(variablesOf({ tenantPlans: plans })).toMatchObject({ TENANT_PLANS: plans });
    expect(variablesOf({})).not.toHaveProperty('TENANT_PLANS');
    // A tenant without a profile yet is checked against the deployment's default plan.
    expect(variablesOf({ defaultPlan: 'free' })).toMatchObject({ DEFAULT_PLAN: 'free' });
    expect(variablesOf({})).not.toHaveProperty('DEFAULT_PLAN');
  });
});
