import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.tenantClaim]: z.string().min(1).default('tenant'),
  [ENV.roleClaim]: z.string().min(1).default('role'),
  [ENV.secretPrefix]: z.string().min(1).default('pve-snapshots/clusters'),
  [ENV.webhookSecretPrefix]: z.string().min(1).default('pve-snapshots/webhooks'),
  [ENV.cursorKeySecretArn]: z.string().min(1),
  [ENV.confirmationKeySecretArn]: z.string().min(1),
  [ENV.connectorFunctionName]: z.string().min(1),
  [ENV.policyRunStateMachineArn]: z.string().min(1),
  [ENV.operationStateMachineArn]: z.string().min(1),
  [ENV.restoreTestStateMachineArn]: z.string().min(1),
  [ENV.scheduleGroupName]: z.string().min(1),
  [ENV.schedulerRoleArn]: z.string().min(1),
  [ENV.scheduleDeadLetterArn]: z.string().min(1),
  [ENV.auditRetentionDays]: z.coerce.number().int().min(1).max(3650).default(400),
  [ENV.idempotencyTtlHours]: z.coerce.number().int().min(1).max(720).default(24),
  [ENV.serviceVersion]: z.string().default('0.1.0'),
  [ENV.tenantPlans]: z.string().optional(),
  [ENV.defaultPlan]: z.string().optional(),
});

export interface ApiConfig {
  readonly tableName: string;
  readonly claims: { readonly tenant: string; readonly role: string };
  readonly secretPrefix: string;
  /** Name prefix of the webhook signing secrets (apart from the cluster tokens). */
  readonly webhookSecretPrefix: string;
  readonly cursorKeySecretArn: string;
  /** The key that MACs email confirmation codes. */
  readonly confirmationKeySecretArn: string;
  /** The connector function the API invokes to reach Proxmox. */
  readonly connectorFunctionName: string;
  readonly policyRunStateMachineArn: string;
  readonly operationStateMachineArn: string;
  readonly restoreTestStateMachineArn: string;
  readonly scheduleGroupName: string;
  readonly schedulerRoleArn: string;
  readonly scheduleDeadLetterArn: string;
  readonly auditRetentionDays: number;
  readonly idempotencyTtlSeconds: number;
  readonly version: string;
  /** The operator's plans as JSON (parsed by the API's plan contract), if any. */
  readonly tenantPlans?: string;
  /** The plan new tenants start on, as set (checked against the plans by the entry). */
  readonly defaultPlan?: string;
}

/** Parses the API function's environment once; a bad value throws naming the variable. */
export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  const values = parseEnvironment(schema, env);
  return {
    tableName: values[ENV.tableName],
    claims: { tenant: values[ENV.tenantClaim], role: values[ENV.roleClaim] },
    secretPrefix: values[ENV.secretPrefix],
    webhookSecretPrefix: values[ENV.webhookSecretPrefix],
    cursorKeySecretArn: values[ENV.cursorKeySecretArn],
    confirmationKeySecretArn: values[ENV.confirmationKeySecretArn],
    connectorFunctionName: values[ENV.connectorFunctionName],
    policyRunStateMachineArn: values[ENV.policyRunStateMachineArn],
    operationStateMachineArn: values[ENV.operationStateMachineArn],
    restoreTestStateMachineArn: values[ENV.restoreTestStateMachineArn],
    scheduleGroupName: values[ENV.scheduleGroupName],
    schedulerRoleArn: values[ENV.schedulerRoleArn],
    scheduleDeadLetterArn: values[ENV.scheduleDeadLetterArn],
    auditRetentionDays: values[ENV.auditRetentionDays],
    idempotencyTtlSeconds: values[ENV.idempotencyTtlHours] * 3600,
    version: values[ENV.serviceVersion],
    ...(values[ENV.tenantPlans] ? { tenantPlans: values[ENV.tenantPlans] } : {}),
    ...(values[ENV.defaultPlan] ? { defaultPlan: values[ENV.defaultPlan] } : {}),
  };
}
