import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { WorkflowSteps } from '#infra/constructs/workflow-steps.ts';
import { actionsOf, constructFixture, statementsOf } from './construct-fixture.ts';

describe('the workflow steps', () => {
  it('each read and write the table and publish events; only inventory sync and reconciliation call Proxmox', () => {
    const f = constructFixture();
    const connector = new ProxmoxConnector(f.stack, 'Connector', f);
    new WorkflowSteps(f.stack, 'Steps', { ...f, connector });
    const template = Template.fromStack(f.stack);
    const steps = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([id]) => !id.startsWith('ConnectorFunction'),
    );
    expect(steps).toHaveLength(10);
    const invokers: string[] = [];
    for (const [id, fn] of steps) {
      expect(fn.Properties.Environment.Variables, id).toHaveProperty('EVENT_TOPIC_ARN');
      expect(fn.Properties.Environment.Variables, id).toHaveProperty('CONNECTOR_FUNCTION_NAME');
      const actions = actionsOf(statementsOf(template, id));
      expect(actions, id).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'sns:Publish', 'events:PutEvents']),
      );
      if (actions.includes('lambda:InvokeFunction')) invokers.push(id.replace(/[A-F0-9]{8}$/, ''));
    }
    expect(invokers.sort()).toEqual(['ReconcileGuestsFunction', 'ResolveTargetsFunction']);
  });
});
