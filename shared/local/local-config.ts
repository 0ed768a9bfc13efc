import { resolve } from 'node:path';
import { z } from 'zod';
import { LocalRuntimeError } from './errors.ts';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TABLE_NAME: z.string().min(3).default('pve-snapshots'),
  TTL_SWEEP_SECONDS: z.coerce.number().int().min(1).default(60),
  TOKEN_TTL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(12),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
});

export interface LocalConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** An existing DynamoDB-compatible endpoint; absent: start DynamoDB Local under the data folder. */
  readonly dynamoEndpoint?: string;
  readonly tableName: string;
  readonly ttlSweepMs: number;
  readonly tokenTtlSeconds: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

/** Reads the local runtime's settings (all optional; see the README). */
export function loadLocalConfig(env: Record<string, string | undefined>): LocalConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new LocalRuntimeError(`invalid setting: ${problems}`);
  }
  const values = parsed.data;
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: resolve(values.DATA_DIR),
    ...(values.DYNAMODB_ENDPOINT ? { dynamoEndpoint: values.DYNAMODB_ENDPOINT } : {}),
    tableName: values.TABLE_NAME,
    ttlSweepMs: values.TTL_SWEEP_SECONDS * 1000,
    tokenTtlSeconds: Math.round(values.TOKEN_TTL_HOURS * 3600),
    logLevel: values.POWERTOOLS_LOG_LEVEL,
  };
}
