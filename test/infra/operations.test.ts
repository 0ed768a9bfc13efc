import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONNECTOR_TASK_TIMEOUT,
  HOOK_TASK_TIMEOUT,
  STEP_TASK_TIMEOUT,
} from '#infra/constructs/task-timeouts.ts';
import {
  CONNECTOR_CALL_BUDGET_MS,
  CONNECTOR_TIMEOUT_SECONDS,
  FUNCTION_TIMEOUT_SECONDS,
  PROXMOX_CALL_DEADLINE_MS,
} from '#shared/config/time-budgets.ts';
import { unbundledApp } from './unbundled-app.ts';

/** Each function's logical id prefix and its entry file. */
const ENTRIES: Record<string, string> = {
  ApiFunction: 'functions/api/http-api.ts',
  ConnectorFunction: 'functions/connector/proxmox-connector.ts',
  NotifierFunction: 'functions/notifier/sqs-notifier.ts',
  ResolveTargetsFunction: 'functions/workflow/resolve-targets.ts',
  ReconcileGuestsFunction: 'functions/workflow/reconcile-guests.ts',
  PlanOperationFunction: 'functions/workflow/plan-operation.ts',
  ClaimRunFunction: 'functions/workflow/claim-run.ts',
  LoadLaneFunction: 'functions/workflow/load-lane.ts',
  RecordResultFunction: 'functions/workflow/record-result.ts',
  FinishRunFunction: 'functions/workflow/finish-run.ts',
  PlanPruneFunction: 'functions/workflow/plan-prune.ts',
  RecordPruneFunction: 'functions/workflow/record-prune.ts',
  FinishOperationFunction: 'functions/workflow/finish-operation.ts',
  RestoreTestStepFunction: 'functions/workflow/restore-test-step.ts',
  RunHookFunction: 'functions/workflow/run-hook.ts',
  DailySweepFunction: 'functions/workflow/daily-sweep.ts',
  SweepWorkerFunction: 'functions/workflow/sweep-worker.ts',
  RpoCheckFunction: 'functions/workflow/rpo-check.ts',
  RpoCheckWorkerFunction: 'functions/workflow/rpo-check-worker.ts',
  ExecutionEndedFunction: 'functions/workflow/execution-ended.ts',
  AgentAuthorizerFunction: 'functions/agent/agent-authorizer.ts',
  AgentWebSocketFunction: 'functions/agent/agent-websocket.ts',
};

let stateless: Template;
beforeAll(() => {
  stateless = unbundledApp().stateless;
}, 240_000);

/** The service's own functions (Node.js 24), by logical id. */
const serviceFunctions = () =>
  Object.entries(stateless.findResources('AWS::Lambda::Function')).filter(
    ([, fn]) => fn.Properties.Runtime === 'nodejs24.x',
  );

const timeoutOf = (prefix: string) =>
  serviceFunctions().find(([id]) => id.startsWith(prefix))?.[1].Properties.Timeout as number;

describe('function timeouts', () => {
  it('gives every function the timeout declared with its worst case in time-budgets.ts', () => {
    const found = serviceFunctions();
    expect(found.map(([id]) => Object.keys(ENTRIES).find((prefix) => id.startsWith(prefix))).sort()).toEqual(
      Object.keys(ENTRIES).sort(),
    );
    for (const [prefix, entry] of Object.entries(ENTRIES)) {
      expect({ prefix, timeout: timeoutOf(prefix) }).toEqual({
        prefix,
        timeout: FUNCTION_TIMEOUT_SECONDS[entry],
      });
    }
    expect(Object.keys(FUNCTION_TIMEOUT_SECONDS).sort()).toEqual(Object.values(ENTRIES).sort());
  });

  it('bounds Proxmox calls below the connector’s timeout, and the connector below its callers', () => {
    const connector = timeoutOf('ConnectorFunction');
    expect(connector).toBe(CONNECTOR_TIMEOUT_SECONDS);
    expect(PROXMOX_CALL_DEADLINE_MS).toBeLessThan(connector * 1000);
    expect(CONNECTOR_CALL_BUDGET_MS).toBeGreaterThan(connector * 1000);
    // Every function allowed to invoke the connector outlasts its deadline; all but the API
    // (which API Gateway stops at 29 s) also outlast its timeout.
    const connectorId = serviceFunctions().find(([id]) => id.startsWith('ConnectorFunction'))?.[0];
    const invokers = Object.values(stateless.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${connectorId}","Arn"`))
      .flatMap((policy) => policy.Properties.Roles.map((role: { Ref: string }) => role.Ref));
    const callers = serviceFunctions().filter(([, fn]) =>
      invokers.includes(fn.Properties.Role['Fn::GetAtt'][0]),
    );
    for (const prefix of [
      'ApiFunction',
      'ResolveTargetsFunction',
      'ReconcileGuestsFunction',
      'SweepWorkerFunction',
    ])
      expect(callers.some(([id]) => id.startsWith(prefix))).toBe(true);
    for (const [id, fn] of callers) {
      const timeout = fn.Properties.Timeout as number;
      expect({ id, above: timeout * 1000 > PROXMOX_CALL_DEADLINE_MS + 3_000 }).toEqual({ id, above: true });
      if (!id.startsWith('ApiFunction'))
        expect({ id, above: timeout > connector }).toEqual({ id, above: true });
    }
  });

  it('keeps every step function inside its Step Functions task limit', () => {
    const steps = Object.keys(ENTRIES).filter((prefix) => ENTRIES[prefix]?.startsWith('functions/workflow/'));
    // The sweep and the RPO check are invoked by a schedule and asynchronously, not by a state machine.
    const unscheduled = [
      'DailySweepFunction',
      'SweepWorkerFunction',
      'RpoCheckFunction',
      'RpoCheckWorkerFunction',
    ];
    // The hook step waits for an HTTPS hook (up to 10 min) under its own, longer task limit.
    expect(timeoutOf('RunHookFunction')).toBeLessThan(HOOK_TASK_TIMEOUT.toSeconds());
    for (const prefix of steps.filter((p) => !unscheduled.includes(p) && p !== 'RunHookFunction')) {
      expect({ prefix, inside: timeoutOf(prefix) < STEP_TASK_TIMEOUT.toSeconds() }).toEqual({
        prefix,
        inside: true,
      });
    }
    expect(timeoutOf('ConnectorFunction')).toBeLessThan(CONNECTOR_TASK_TIMEOUT.toSeconds());
  });
});

describe('the service’s alarms', () => {
  it('watch every dead-letter queue and state machine of the app, and every function’s throttles, on one topic', () => {
    const alarms = Object.keys(stateless.findResources('AWS::CloudWatch::Alarm'));
    const has = (prefix: string) => alarms.some((id) => id.startsWith(prefix));
    for (const prefix of [
      'ScheduleDeadLettersDepth',
      'NotifierDeadLettersDepth',
      'SweepDeadLettersDepth',
      'RpoCheckDeadLettersDepth',
      'PolicyRunExecutionsFailed',
      'LaneExecutionsFailed',
      'GuestOperationExecutionsFailed',
      'PolicyRunExecutionThrottled',
      'ConnectorErrorRate',
      'NotifierErrors',
      'SweepWorkerErrors',
      'DailySweepErrors',
      'TableThrottledRequests',
    ]) {
      expect({ prefix, found: has(prefix) }).toEqual({ prefix, found: true });
    }
    const throttleAlarms = alarms.filter((id) => /Throttles/.test(id));
    expect(throttleAlarms).toHaveLength(serviceFunctions().length);
  });
});
