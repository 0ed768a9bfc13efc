import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { PolicyRunWorkflow } from '#infra/constructs/policy-run-workflow.ts';
import { forEachStep } from '#shared/config/workflow-steps.ts';
import { loadGrants } from '#shared/local/iam/grants-cache.ts';
import { LocalIam } from '#shared/local/iam/local-iam.ts';
import { localExecutionArn } from '#shared/local/local-arns.ts';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';

const app = new App();
const stack = new Stack(app, 'ExpressGrantsTest', {
  env: { account: '123456789012', region: 'eu-central-1' },
});
const fn = (name: string) =>
  LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-central-1:123456789012:function:${name}`);
const workflow = new PolicyRunWorkflow(stack, 'PolicyRun', {
  ...forEachStep((_step, entry) => fn(entry)),
  connector: fn('connector'),
});
const template = Template.fromStack(stack);
const idOf = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

describe('the run\u2019s grants on its Express fast lanes', () => {
  it('describe express:<fast lane>:* (an Express execution\u2019s ARN), and stop none (Express executions cannot be stopped)', () => {
    const fastId = idOf(workflow.fastLaneStateMachine);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter(
        (policy) =>
          JSON.stringify(policy.Properties.Roles) ===
          JSON.stringify([{ Ref: idOf(workflow.stateMachine.role) }]),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    const onExpress = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes(':express:'),
    );
    expect(onExpress).toHaveLength(1);
    expect(onExpress[0]?.Action).toBe('states:DescribeExecution');
    const resource = JSON.stringify(onExpress[0]?.Resource);
    expect(resource).toContain(fastId);
    expect(resource).toMatch(
      /:express:",\{"Fn::Select":\[6,\{"Fn::Split":\[":",\{"Ref":"[^"]+"\}\]\}\]\},":\*"/,
    );
  });

  it('let the synthesized app\u2019s run describe a fast-lane execution locally, and nothing without that grant', async () => {
    const [grants, workflows] = await Promise.all([loadGrants(), loadWorkflowDefinitions()]);
    const iam = new LocalIam(grants);
    const caller = { role: iam.stateMachineRole(workflows.policyRunArn), session: 'run' };
    const express = localExecutionArn(workflows.fastLaneArn, 'child-1', true);
    expect(() => iam.authorizeRole(caller, 'states:DescribeExecution', express)).not.toThrow();
    const without = structuredClone(grants);
    for (const [name, role] of Object.entries(without.roles))
      without.roles[name] = {
        statements: role.statements.filter(
          (statement) => !statement.resources.some((arn) => arn.includes(':express:')),
        ),
      };
    expect(() => new LocalIam(without).authorizeRole(caller, 'states:DescribeExecution', express)).toThrow(
      `is not authorized to perform: states:DescribeExecution on resource: ${express}`,
    );
    // The task's own grant names Standard executions only: it never covered a fast lane.
    expect(() =>
      new LocalIam(without).authorizeRole(
        caller,
        'states:DescribeExecution',
        localExecutionArn(workflows.laneArn, 'child-1', false),
      ),
    ).not.toThrow();
  });
});
