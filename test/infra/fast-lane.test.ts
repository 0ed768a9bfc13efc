import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { PolicyRunWorkflow } from '#infra/constructs/policy-run-workflow.ts';
import { forEachStep } from '#shared/config/workflow-steps.ts';

const app = new App();
const stack = new Stack(app, 'FastLaneTest', { env: { account: '123456789012', region: 'eu-central-1' } });
const fn = (name: string) =>
  LambdaFunction.fromFunctionArn(stack, name, `arn:aws:lambda:eu-central-1:123456789012:function:${name}`);
const workflow = new PolicyRunWorkflow(stack, 'PolicyRun', {
  ...forEachStep((_step, entry) => fn(entry)),
  connector: fn('connector'),
});
const template = Template.fromStack(stack);
const machines = template.findResources('AWS::StepFunctions::StateMachine');
const logicalId = (machine: unknown) =>
  stack.getLogicalId((machine as { node: { defaultChild: never } }).node.defaultChild);
const fastId = logicalId(workflow.fastLaneStateMachine);
const parentId = logicalId(workflow.stateMachine);
const definitionOf = (id: string) => JSON.stringify(machines[id]?.Properties.DefinitionString);

describe('the fast lane in the template', () => {
  it('is an EXPRESS state machine; the run and its Standard lane stay STANDARD', () => {
    expect(machines[fastId]?.Properties.StateMachineType).toBe('EXPRESS');
    expect(machines[parentId]?.Properties.StateMachineType).toBe('STANDARD');
    expect(machines[logicalId(workflow.laneStateMachine)]?.Properties.StateMachineType).toBe('STANDARD');
  });

  it('uses only request-response integrations (Express has no .sync or callbacks)', () => {
    const fast = definitionOf(fastId);
    expect(fast).toContain('FastCreateSnapshot');
    expect(fast).not.toMatch(/\.sync|waitForTaskToken/);
  });

  it('is started by the run with startExecution.sync:2, handing back to the Standard lane', () => {
    const parent = definitionOf(parentId);
    for (const needle of [
      'RunFastLane',
      'states:startExecution.sync:2',
      'HandedBack?',
      'FinishLane',
      'RunLane',
    ])
      expect(parent).toContain(needle);
    expect(parent).toContain(fastId);
  });

  it('gives the run the .sync task\u2019s own grants: start, describe and stop `execution:` ARNs (the Express ones: express-child-grants.test.ts), the rule .sync listens on', () => {
    const parentRole = logicalId({ node: { defaultChild: workflow.stateMachine.role.node.defaultChild } });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: parentRole }]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: fastId } }),
    );
    const onFastExecutions = statements.find(
      (statement) =>
        JSON.stringify(statement.Action) ===
          JSON.stringify(['states:DescribeExecution', 'states:StopExecution']) &&
        JSON.stringify(statement.Resource).includes(fastId),
    );
    expect(JSON.stringify(onFastExecutions?.Resource)).toContain(':execution:');
    const rule = statements.find((statement) => JSON.stringify(statement.Action).includes('events:PutRule'));
    expect(rule?.Action).toEqual(['events:PutTargets', 'events:PutRule', 'events:DescribeRule']);
    expect(JSON.stringify(rule?.Resource)).toContain(
      'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    );
  });
});
