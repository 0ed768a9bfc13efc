import { z } from 'zod';
import { ENV } from './env-names.ts';

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
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    tableName: parsed.data[ENV.tableName],
    secretPrefix: parsed.data[ENV.secretPrefix],
    connectorFunctionName: parsed.data[ENV.connectorFunctionName],
  };
}
