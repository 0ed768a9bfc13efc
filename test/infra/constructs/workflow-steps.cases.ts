import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ProxmoxConnector } from '#infra/constructs/proxmox-connector.ts';
import { WorkflowSteps } from '#infra/constructs/workflow-steps.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

/** What each step function is expected to use, from what its service does. */
const EXPECTED: Record<string, { table: 'read' | 'write'; connector: boolean; events: boolean }> = {
  ClaimRunFunction: { table: 'write', connector: false, events: false },
  // Resolving targets syncs the inventory, which reports new unprotected guests (guest.unprotected).
  ResolveTargetsFunction: { table: 'write', connector: true, events: true },
  LoadLaneFunction: { table: 'read', connector: false, events: false },
  RecordResultFunction: { table: 'write', connector: false, events: true },
  PlanPruneFunction: { table: 'read', connector: false, events: false },
  RecordPruneFunction: { table: 'write', connector: false, events: true },
  FinishRunFunction: { table: 'write', connector: false, events: true },
  ReconcileGuestsFunction: { table: 'write', connector: true, events: true },
  // Restores in place and to a new guest look at Proxmox while planning (AccessDenied without it).
  PlanOperationFunction: { table: 'write', connector: true, events: false },
  FinishOperationFunction: { table: 'write', connector: true, events: true },
  // A restore test clones, starts, checks and destroys its guest, and publishes its outcome.
  RestoreTestStepFunction: { table: 'write', connector: true, events: true },
};

function build() {
  const f = constructFixture();
  const connector = new ProxmoxConnector(f.stack, 'Connector', f);
  new WorkflowSteps(f.stack, 'Steps', { ...f, connector });
  return Template.fromStack(f.stack);
}

describe('the workflow steps', () => {
  const template = build();
  const functions = template.findResources('AWS::Lambda::Function');

  it('are the twelve steps of the three workflows', () => {
    expect(Object.keys(functions).filter((id) => !id.startsWith('ConnectorFunction'))).toHaveLength(12);
  });

  it('lets the hook step read hook secrets under the webhook prefix only, and call the connector', () => {
    const id = functionId(template, 'RunHookFunction');
    const environment = functions[id]?.Properties.Environment.Variables ?? {};
    const actions = actionsOf(statementsOf(template, id));
    expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual(['secretsmanager:GetSecretValue']);
    expect(environment).toHaveProperty('WEBHOOK_SECRET_PREFIX');
    expect(environment).not.toHaveProperty('SECRET_PREFIX');
    expect(actions).toContain('lambda:InvokeFunction');
  });

  for (const [step, expected] of Object.entries(EXPECTED)) {
    it(`wires ${step} to what it uses, and nothing else`, () => {
      const id = functionId(template, step);
      const environment = functions[id]?.Properties.Environment.Variables ?? {};
      const actions = actionsOf(statementsOf(template, id));
      expect(actions).toContain('dynamodb:GetItem');
      const writes = actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a));
      expect(writes.length > 0).toBe(expected.table === 'write');
      expect(actions.includes('lambda:InvokeFunction')).toBe(expected.connector);
      expect('CONNECTOR_FUNCTION_NAME' in environment).toBe(expected.connector);
      expect(actions.includes('sns:Publish') && actions.includes('events:PutEvents')).toBe(expected.events);
      expect('EVENT_TOPIC_ARN' in environment && 'EVENT_BUS_NAME' in environment).toBe(expected.events);
      // No step reads a secret: the connector reads the cluster tokens itself.
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
      expect(environment).not.toHaveProperty('SECRET_PREFIX');
    });
  }
});
