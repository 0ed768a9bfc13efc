import { randomUUID } from 'node:crypto';

/** The account and region the local runtime names its stand-ins of AWS resources in. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

/** CloudFormation's pseudo parameters, resolved locally. */
export const LOCAL_PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A function by its local name (`plan-operation`, `connector`). */
export const localFunctionArn = (name: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;

/** A state machine by its logical id in the synthesized template. */
export const localStateMachineArn = (logicalId: string) =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;

/**
 * An execution of a state machine as Step Functions names it: `execution:<machine>:<name>` for a
 * Standard one; an Express one also carries an id of its own, `express:<machine>:<name>:<id>`
 * (Service Authorization Reference, Step Functions' `execution` and `express` resource types),
 * so a grant on `execution:<machine>*` does not cover it.
 */
export function localExecutionArn(stateMachineArn: string, name: string, express: boolean): string {
  return express
    ? `${stateMachineArn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`
    : `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** The EventBridge rule Step Functions manages to learn that a `.sync` child execution ended. */
export const SYNC_EVENTS_RULE_ARN = `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;

/** A secret by name; Secrets Manager appends six random characters to the name in its ARN. */
export const localSecretArn = (name: string) =>
  `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-AbCdEf`;
