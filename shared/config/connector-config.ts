import { z } from 'zod';
import { ENV } from './env-names.ts';

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
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { tableName: parsed.data[ENV.tableName], secretPrefix: parsed.data[ENV.secretPrefix] };
}
