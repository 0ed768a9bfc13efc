import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { invokes } from '#infra/constructs/function-uses.ts';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { workflowStep } from '#infra/constructs/workflow-steps.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

describe('the Proxmox connector', () => {
  it('only reads the table and the token secrets; callers it lets in may invoke it and nothing more', () => {
    const f = constructFixture();
    const connector = new ProxmoxConnector(f.stack, 'Connector', f);
    workflowStep(f.stack, 'CallerFunction', 'resolve-targets', [invokes(connector.function)]);
    const template = Template.fromStack(f.stack);
    const own = actionsOf(statementsOf(template, functionId(template, 'ConnectorFunction')));
    expect(own).toContain('dynamodb:GetItem');
    expect(own.filter((a) => /dynamodb:(Put|Delete|Update|BatchWrite)/.test(a))).toEqual([]);
    expect(own.filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:GetSecretValue']);
    const caller = actionsOf(statementsOf(template, functionId(template, 'CallerFunction')));
    expect(caller).toContain('lambda:InvokeFunction');
  });
});
