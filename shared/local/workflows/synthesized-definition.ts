import { App, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { PolicyRunWorkflow } from '#infra/constructs/policy-run-workflow.ts';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';
export const localFunctionArn = (name: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;

/** The local functions a policy run invokes, by name. */
export const POLICY_RUN_FUNCTIONS = [
  'claim-run',
  'resolve-targets',
  'record-result',
  'finish-run',
  'connector',
] as const;
export type PolicyRunFunction = (typeof POLICY_RUN_FUNCTIONS)[number];

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the CloudFormation intrinsics CDK puts into a DefinitionString to local values. */
function resolve(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  if ('Ref' in object && typeof object.Ref === 'string' && PSEUDO[object.Ref])
    return PSEUDO[object.Ref] as string;
  throw new Error(`cannot resolve ${JSON.stringify(value)} in a state machine definition`);
}

/**
 * The policy-run definition exactly as CDK synthesizes it for AWS, with the Lambda ARNs pointing
 * at local function names. There is no second, hand-written copy of the definition.
 */
export function synthesizePolicyRunDefinition(): Record<string, unknown> {
  const app = new App({ context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
  const stack = new Stack(app, 'LocalWorkflows', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
  const fn = (name: PolicyRunFunction) => LambdaFunction.fromFunctionArn(stack, name, localFunctionArn(name));
  new PolicyRunWorkflow(stack, 'PolicyRun', {
    claimRun: fn('claim-run'),
    resolveTargets: fn('resolve-targets'),
    recordResult: fn('record-result'),
    finishRun: fn('finish-run'),
    connector: fn('connector'),
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: { DefinitionString: unknown } }>;
  };
  const machine = Object.values(template.Resources).find(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (!machine) throw new Error('the policy-run construct produced no state machine');
  return JSON.parse(resolve(machine.Properties.DefinitionString)) as Record<string, unknown>;
}
