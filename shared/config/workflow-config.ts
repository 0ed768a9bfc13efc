import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.secretPrefix]: z.string().min(1).default('pve-snapshots/clusters'),
  [ENV.connectorFunctionName]: z.string().min(1),
});

export interface WorkflowConfig {
  readonly tableName: string;
  readonly secretPrefix: string;
  readonly connectorFunctionName: string;
}

/** Parses a workflow step function's environment once; a bad value throws naming the variable. */
export function loadWorkflowConfig(env: Record<string, string | undefined>): WorkflowConfig {
  const values = parseEnvironment(schema, env);
  return {
    tableName: values[ENV.tableName],
    secretPrefix: values[ENV.secretPrefix],
    connectorFunctionName: values[ENV.connectorFunctionName],
  };
}
