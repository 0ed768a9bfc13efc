import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.secretPrefix]: z.string().min(1).default('pve-snapshots/clusters'),
});

export interface ConnectorConfig {
  readonly tableName: string;
  readonly secretPrefix: string;
}

/** Parses the connector function's environment once; a bad value throws naming the variable. */
export function loadConnectorConfig(env: Record<string, string | undefined>): ConnectorConfig {
  const values = parseEnvironment(schema, env);
  return { tableName: values[ENV.tableName], secretPrefix: values[ENV.secretPrefix] };
}
