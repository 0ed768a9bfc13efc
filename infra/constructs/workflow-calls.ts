import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  Condition,
  type IStateMachine,
  JitterType,
  JsonPath,
  Pass,
  TaskInput,
  type Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { LambdaInvoke, LambdaInvokeProps } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { lambdaTask } from './task-retries.ts';

/**
 * A call of one of the service's own steps. They are idempotent, so a transient failure
 * (throttling, a publish that did not go through) is retried where it happened instead of
 * losing a result or an event.
 */
export function serviceStep(
  scope: Construct,
  name: string,
  fn: IFunction,
  timeout: Timeout,
  props: Omit<LambdaInvokeProps, 'lambdaFunction'>,
): LambdaInvoke {
  const step = lambdaTask(scope, name, { lambdaFunction: fn, taskTimeout: timeout, ...props });
  step.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
  return step;
}

/** A guest's result steps ({@link recordResultSteps}). */
export interface RecordResultSteps {
  readonly succeeded: LambdaInvoke;
  readonly alreadyTaken: LambdaInvoke;
  readonly failed: LambdaInvoke;
  /** Where a result that cannot be written goes: it ends only the guest's iteration. */
  readonly notRecorded: Pass;
}

/**
 * A guest's result, written once, as both lanes write it (`<prefix>RecordSucceeded` with the
 * last status, the snapshot's `vmstate` as Proxmox lists it; `<prefix>RecordAlreadyTaken` when
 * the deterministic name is taken, an earlier attempt took this tick's snapshot;
 * `<prefix>RecordFailed` with Proxmox's text and the lock attempts `attempt` counted). A success
 * returns the guest's retention deletions at `$.prune`. A result that cannot be written (the
 * table throttled past every retry) goes to `<prefix>ResultNotRecorded`, never failing the
 * lane's Map: FinishRun counts the guest as failed and reconciliation adopts its snapshot. The
 * caller chains what follows.
 */
export function recordResultSteps(
  scope: Construct,
  prefix: '' | 'Fast',
  fn: IFunction,
  timeout: Timeout,
  attempt: number | { readonly path: string },
): RecordResultSteps {
  const deletions = { resultSelector: { 'deletions.$': '$.Payload.deletions' }, resultPath: '$.prune' };
  const succeeded = serviceStep(scope, `${prefix}RecordSucceeded`, fn, timeout, {
    payload: TaskInput.fromObject({
      'item.$': '$.item',
      outcome: 'succeeded',
      'upid.$': '$.task.value.upid',
      'taskStatus.$': '$.status.value',
    }),
    ...deletions,
  });
  const alreadyTaken = serviceStep(scope, `${prefix}RecordAlreadyTaken`, fn, timeout, {
    payload: TaskInput.fromObject({
      'item.$': '$.item',
      outcome: 'succeeded',
      'taskStatus.$': '$.status.value',
    }),
    ...deletions,
  });
  const failed = serviceStep(scope, `${prefix}RecordFailed`, fn, timeout, {
    payload: TaskInput.fromObject({
      'item.$': '$.item',
      outcome: 'failed',
      'error.$': '$.error',
      'taskStatus.$': '$.status.value',
      ...(typeof attempt === 'number' ? { attempt } : { 'attempt.$': attempt.path }),
    }),
    resultPath: JsonPath.DISCARD,
  });
  const notRecorded = new Pass(scope, `${prefix}ResultNotRecorded`, { resultPath: JsonPath.DISCARD });
  for (const step of [succeeded, alreadyTaken, failed])
    step.addCatch(notRecorded, { errors: ['States.ALL'], resultPath: '$.recordError' });
  return { succeeded, alreadyTaken, failed, notRecorded };
}

/** A Proxmox task ended well (its status in `$.status`): `OK`, or `WARNINGS: n` (done, with warnings in its log). */
export const taskSucceeded = Condition.or(
  Condition.stringEquals('$.status.value.exitstatus', 'OK'),
  Condition.stringMatches('$.status.value.exitstatus', 'WARNINGS: *'),
);

/**
 * The snapshot commands both lanes send, read from the guest's item (`$.item`, its task in
 * `$.task`) or a retention deletion (`$.deletion`): one shape, so the fast lane and the Standard
 * lane cannot drift apart.
 */
export const SNAPSHOT_COMMANDS = {
  create: {
    type: 'createSnapshot',
    'node.$': '$.item.node',
    'guestType.$': '$.item.guestType',
    'vmid.$': '$.item.vmid',
    'name.$': '$.item.snapshotName',
    'vmstate.$': '$.item.vmstate',
    'description.$': '$.item.description',
  },
  taskStatus: {
    type: 'snapshotTaskStatus',
    'node.$': '$.item.node',
    'guestType.$': '$.item.guestType',
    'vmid.$': '$.item.vmid',
    'upid.$': '$.task.value.upid',
    'name.$': '$.item.snapshotName',
  },
  delete: {
    type: 'deleteSnapshot',
    'node.$': '$.deletion.node',
    'guestType.$': '$.deletion.guestType',
    'vmid.$': '$.deletion.vmid',
    'name.$': '$.deletion.name',
  },
} as const;

/** Where a connector call finds its tenant and cluster: a guest's item or a retention deletion. */
export type ConnectorTarget = '$.item' | '$.deletion';

/** One command to the connector for the cluster of `on` (a guest's item or a deletion). */
export function connectorCall(
  scope: Construct,
  connector: IFunction,
  timeout: Timeout,
  call: {
    readonly name: string;
    /** The command, or an expression that builds it (an intrinsic function). */
    readonly command: Record<string, unknown> | string;
    readonly resultPath: string;
    readonly on?: ConnectorTarget;
    readonly extra?: Record<string, unknown>;
  },
): LambdaInvoke {
  const on = call.on ?? '$.item';
  return lambdaTask(scope, call.name, {
    lambdaFunction: connector,
    payload: TaskInput.fromObject({
      'tenantId.$': `${on}.tenantId`,
      'clusterId.$': `${on}.clusterId`,
      ...(typeof call.command === 'string' ? { 'command.$': call.command } : { command: call.command }),
      ...call.extra,
    }),
    resultSelector: { 'value.$': '$.Payload' },
    resultPath: call.resultPath,
    taskTimeout: timeout,
  });
}

/** A status poll is a read: a server error or an unreachable node is looked at again with backoff. */
export function retryRead(task: LambdaInvoke): void {
  task.addRetry({
    errors: ['ProxmoxServerError', 'ProxmoxUnreachableError'],
    interval: Duration.seconds(2),
    maxAttempts: 5,
    backoffRate: 2,
    jitterStrategy: JitterType.FULL,
  });
}

/**
 * Lets `parent`'s role follow the executions of the EXPRESS state machine `child` it starts with
 * `startExecution.sync`. The task's own grants (CDK's, as the Step Functions guide's IAM policy
 * for `.sync` has them) describe and stop `execution:<child>*`, the ARN of a Standard execution;
 * an Express execution is `express:<child>:<name>:<id>`, which DescribeExecution takes as a
 * resource of its own and `execution:` does not match (Service Authorization Reference, Step
 * Functions: resource types `execution` and `express`). StopExecution takes only `execution`, and
 * Express executions cannot be stopped (StopExecution API reference), so nothing more is granted.
 * Returns the ARN granted (for its cdk-nag acknowledgement).
 */
export function allowFollowingExpressChild(parent: IStateMachine, child: IStateMachine): string {
  const stack = Stack.of(parent);
  const name = stack.splitArn(child.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  const executions = stack.formatArn({
    service: 'states',
    resource: 'express',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `${name}:*`,
  });
  parent.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
  );
  return executions;
}
