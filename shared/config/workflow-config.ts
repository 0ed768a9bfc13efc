import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.connectorFunctionName]: z.string().min(1).optional(),
  [ENV.eventTopicArn]: z.string().min(1).optional(),
  [ENV.eventBusName]: z.string().min(1).optional(),
  [ENV.webhookSecretPrefix]: z.string().min(1).optional(),
  [ENV.publicApiUrl]: z.url().optional(),
});

/**
 * A workflow step function's settings. Each step is wired only to what it uses
 * (`infra/constructs/workflow-steps.ts`), so the connector and the event targets are set only
 * for the steps that call or publish.
 */
export interface WorkflowConfig {
  readonly tableName: string;
  readonly connectorFunctionName?: string;
  readonly events?: { readonly topicArn: string; readonly busName: string };
  /** Where hook signing secrets live (the hook step only). */
  readonly webhookSecretPrefix?: string;
  /** The API's public URL, where hook receivers call back (the hook step only). */
  readonly publicApiUrl?: string;
}

/** Parses a workflow step function's environment once; a bad value throws naming the variable. */
export function loadWorkflowConfig(env: Record<string, string | undefined>): WorkflowConfig {
  const values = parseEnvironment(schema, env);
  const connector = values[ENV.connectorFunctionName];
  const topicArn = values[ENV.eventTopicArn];
  const busName = values[ENV.eventBusName];
  const apiUrl = values[ENV.publicApiUrl];
  if ((topicArn === undefined) !== (busName === undefined))
    throw new Error(`invalid configuration: ${ENV.eventTopicArn} and ${ENV.eventBusName} are set together`);
  return {
    tableName: values[ENV.tableName],
    ...(connector ? { connectorFunctionName: connector } : {}),
    ...(topicArn && busName ? { events: { topicArn, busName } } : {}),
    ...(values[ENV.webhookSecretPrefix] ? { webhookSecretPrefix: values[ENV.webhookSecretPrefix] } : {}),
    ...(apiUrl ? { publicApiUrl: apiUrl.replace(/\/$/, '') } : {}),
  };
}
