import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { GuestOperationWorkflow } from '#infra/constructs/guest-operation-workflow.ts';
import { PolicyRunWorkflow } from '#infra/constructs/policy-run-workflow.ts';
import { RestoreTestWorkflow } from '#infra/constructs/restore-test-workflow.ts';
import { forEachStep, type WorkflowStepEntry } from '#shared/config/workflow-steps.ts';
import {
  LOCAL_ACCOUNT,
  LOCAL_PSEUDO_PARAMETERS,
  LOCAL_REGION,
  localFunctionArn,
  localStateMachineArn,
} from '../local-arns.ts';
import type { StateMachineType } from './local-workflow-runner.ts';

/** The local functions a policy run invokes, by name: the workflow steps and the connector. */
type PolicyRunFunction = WorkflowStepEntry | 'connector';

/** Resolves the CloudFormation intrinsics CDK puts into a DefinitionString to local values. */
function resolve(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolve(part, refs)).join(separator);
  }
  if ('Ref' in object && typeof object.Ref === 'string') {
    const resolved = LOCAL_PSEUDO_PARAMETERS[object.Ref] ?? refs[object.Ref];
    if (resolved) return resolved;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)} in a state machine definition`);
}

export interface LocalWorkflows {
  /** Every state machine of the workflow, by its local ARN. */
  readonly definitions: Record<string, Record<string, unknown>>;
  /** Each state machine's type (`StateMachineType` in the template), by its local ARN. */
  readonly types: Record<string, StateMachineType>;
  /** The ARN of the policy run itself (its lanes are children). */
  readonly policyRunArn: string;
  /** The ARN of the guest-operation state machine. */
  readonly operationArn: string;
  /** The ARN of the policy run's lane state machine (the daily sweep starts prune-only lanes). */
  readonly laneArn: string;
  /** The ARN of the policy run's Express fast lane. */
  readonly fastLaneArn: string;
  /** The ARN of the restore-test state machine. */
  readonly restoreTestArn: string;
}

/**
 * The policy-run state machines exactly as CDK synthesizes them for AWS, with Lambda and state
 * machine ARNs pointing at local names. There is no second, hand-written copy of a definition.
 */
export function synthesizePolicyRunDefinitions(): LocalWorkflows {
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
  const stack = new Stack(app, 'LocalWorkflows', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const imported = new Map<PolicyRunFunction, ReturnType<typeof LambdaFunction.fromFunctionArn>>();
  const fn = (name: PolicyRunFunction) => {
    const existing = imported.get(name);
    if (existing) return existing;
    const created = LambdaFunction.fromFunctionArn(stack, name, localFunctionArn(name));
    imported.set(name, created);
    return created;
  };
  const steps = forEachStep((_step, entry) => fn(entry));
  const workflow = new PolicyRunWorkflow(stack, 'PolicyRun', { ...steps, connector: fn('connector') });
  const operations = new GuestOperationWorkflow(stack, 'GuestOperation', {
    ...steps,
    connector: fn('connector'),
  });
  const restoreTests = new RestoreTestWorkflow(stack, 'RestoreTest', steps);
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties: { DefinitionString: unknown; StateMachineType?: StateMachineType } }
    >;
  };
  const machines = Object.entries(template.Resources).filter(
    ([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  const refs = Object.fromEntries(
    machines.map(([logicalId]) => [logicalId, localStateMachineArn(logicalId)]),
  );
  const definitions = Object.fromEntries(
    machines.map(([logicalId, machine]) => [
      localStateMachineArn(logicalId),
      JSON.parse(resolve(machine.Properties.DefinitionString, refs)) as Record<string, unknown>,
    ]),
  );
  const types = Object.fromEntries(
    machines.map(([logicalId, machine]) => [
      localStateMachineArn(logicalId),
      machine.Properties.StateMachineType ?? 'STANDARD',
    ]),
  );
  const parentId = stack.getLogicalId(workflow.stateMachine.node.defaultChild as CfnResource);
  const operationId = stack.getLogicalId(operations.stateMachine.node.defaultChild as CfnResource);
  const laneId = stack.getLogicalId(workflow.laneStateMachine.node.defaultChild as CfnResource);
  const fastLaneId = stack.getLogicalId(workflow.fastLaneStateMachine.node.defaultChild as CfnResource);
  const restoreTestId = stack.getLogicalId(restoreTests.stateMachine.node.defaultChild as CfnResource);
  return {
    definitions,
    types,
    policyRunArn: localStateMachineArn(parentId),
    operationArn: localStateMachineArn(operationId),
    laneArn: localStateMachineArn(laneId),
    fastLaneArn: localStateMachineArn(fastLaneId),
    restoreTestArn: localStateMachineArn(restoreTestId),
  };
}
