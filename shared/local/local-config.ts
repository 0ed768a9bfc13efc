import { resolve } from 'node:path';
import { z } from 'zod';
import { parseTenantPlans } from '#shared/api/settings/tenant-plans.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { parseDefaultPlan, parsePlanTable } from '#shared/config/plan-config.ts';
import { AGENT_MESSAGE_LIMITS, type MessageRateLimits } from '#shared/domain/agent/message-rate.ts';
import type { PlanTable } from '#shared/domain/plans/plan.ts';
import type { TenantPlans } from '#shared/services/tenants/first-use.ts';
import { LocalRuntimeError } from './errors.ts';
import type { PortToBind } from './free-port.ts';
import type { IamMode } from './iam/local-iam.ts';
import { parseThrottleRates, type ThrottleRates } from './throttling/throttle-injector.ts';
import { API_GATEWAY_LIMITS } from './websocket-limits.ts';

const GATEWAY_IDLE_SECONDS = API_GATEWAY_LIMITS.idleMs / 1000;
const GATEWAY_MAX_CONNECTION_SECONDS = API_GATEWAY_LIMITS.maxConnectionMs / 1000;

const DEFAULT_DATA_DIR = '.data';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  DYNAMODB_ENDPOINT: z.url().optional(),
  TABLE_NAME: z.string().min(3).default('pve-snapshots'),
  TTL_SWEEP_SECONDS: z.coerce.number().int().min(1).default(60),
  TOKEN_TTL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(12),
  POWERTOOLS_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  PROXMOX_SIMULATOR: z.enum(['on', 'off']).default('on'),
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8006),
  SIMULATOR_TIME_FACTOR: z.coerce.number().positive().max(100).default(1),
  WORKFLOW_TIME_FACTOR: z.coerce.number().positive().max(100).default(1),
  SWEEP_INTERVAL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 7)
    .default(24),
  RPO_CHECK_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(15),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('pve-snapshots <pve-snapshots@localhost>'),
  WEBHOOK_PRIVATE_ADDRESSES: z.enum(['allow', 'deny']).default('allow'),
  NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  AGENT_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  DEMO_CLUSTER_CONNECTION: z.enum(['agent', 'direct']).default('agent'),
  AGENT_OFFLINE_AFTER_SECONDS: z.coerce.number().positive().max(600).default(60),
  // API Gateway's own limits; lower only to test agents against them quickly.
  AGENT_GATEWAY_IDLE_SECONDS: z.coerce
    .number()
    .positive()
    .max(GATEWAY_IDLE_SECONDS)
    .default(GATEWAY_IDLE_SECONDS),
  AGENT_GATEWAY_MAX_CONNECTION_SECONDS: z.coerce
    .number()
    .positive()
    .max(GATEWAY_MAX_CONNECTION_SECONDS)
    .default(GATEWAY_MAX_CONNECTION_SECONDS),
  AGENT_MESSAGES_PER_SECOND: z.coerce.number().positive().max(10_000).default(AGENT_MESSAGE_LIMITS.perSecond),
  AGENT_MESSAGE_BURST: z.coerce.number().int().min(1).max(100_000).default(AGENT_MESSAGE_LIMITS.burst),
  PROXMOX_URL: z.url().optional(),
  PROXMOX_TOKEN_ID: z.string().optional(),
  PROXMOX_TOKEN_SECRET: z.string().optional(),
  PROXMOX_FINGERPRINT: z.string().optional(),
  LOCAL_IAM: z.enum(['enforce', 'report']).default('enforce'),
  LOCAL_THROTTLE: z
    .string()
    .default('')
    .transform((value, context) => {
      try {
        return parseThrottleRates(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  LOCAL_THROTTLE_SEED: z.coerce.number().int().default(1),
  TENANT_PLANS: z.string().optional(),
  DEFAULT_PLAN: z.string().optional(),
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
  /** Multiplies the workflows' Wait durations (task polls, lock back-off). */
  readonly workflowTimeFactor: number;
  /** How often the local runtime sweeps every tenant's snapshot records against Proxmox. */
  readonly sweepIntervalMs: number;
  /** How often the local runtime checks every tenant's recovery-point objectives. */
  readonly rpoCheckIntervalMs: number;
  /** Where email goes: an SMTP server, or absent for the built-in mailbox under the data folder. */
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  /** Whether webhooks may target private and loopback addresses (always denied in AWS). */
  readonly webhookPrivateAddresses: boolean;
  /** First webhook retry delay; later ones double (with jitter). */
  readonly notifyRetryBaseMs: number;
  /** Where the local WebSocket gateway for agents listens (0: a free port, printed at start). */
  readonly agentPort: number;
  /** How long a command for an agent cluster waits for its agent before it fails offline. */
  readonly agentOfflineAfterMs: number;
  /** The local WebSocket gateway's idle and duration limits (API Gateway's by default). */
  readonly agentGatewayLimits: { readonly idleMs: number; readonly maxConnectionMs: number };
  /** Messages one agent connection may send (per second, and at once). */
  readonly agentMessageLimits: MessageRateLimits;
  /** Which Proxmox cluster the `demo` tenant gets as `lab`. */
  readonly proxmox:
    | {
        readonly kind: 'simulator';
        readonly port: number;
        readonly timeFactor: number;
        /** `agent` (default): `lab` is served by a local agent, the main path of agent clusters. */
        readonly connection: 'agent' | 'direct';
      }
    | {
        readonly kind: 'external';
        readonly url: string;
        readonly tokenId: string;
        readonly tokenSecret: string;
        readonly fingerprint?: string;
      }
    | { readonly kind: 'none' };
  /** Whether a call the synthesized template does not grant fails (`enforce`) or is only logged (`report`). */
  readonly iamMode: IamMode;
  /** The share of calls to throttle, per target (none by default). */
  readonly throttle: ThrottleRates;
  readonly throttleSeed: number;
  /** The operator's plans: what a new tenant gets on first use (none unless TENANT_PLANS sets them). */
  readonly tenantPlans: TenantPlans;
  /** Every plan: the built-in ones with the operator's changes from TENANT_PLANS. */
  readonly plans: PlanTable;
  /** The plan new tenants start on (DEFAULT_PLAN; default `standard`). */
  readonly defaultPlan: string;
}

/** Reads the local runtime's settings (all optional; see the README). */
export function loadLocalConfig(env: Record<string, string | undefined>): LocalConfig {
  const values = parseEnvironment(
    schema,
    env,
    (problems) => new LocalRuntimeError(`invalid setting: ${problems}`),
  );
  let proxmox: LocalConfig['proxmox'] = { kind: 'none' };
  if (values.PROXMOX_URL) {
    if (!values.PROXMOX_TOKEN_ID || !values.PROXMOX_TOKEN_SECRET) {
      throw new LocalRuntimeError(
        'PROXMOX_URL needs PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET (and PROXMOX_FINGERPRINT for a self-signed certificate)',
      );
    }
    proxmox = {
      kind: 'external',
      url: values.PROXMOX_URL,
      tokenId: values.PROXMOX_TOKEN_ID,
      tokenSecret: values.PROXMOX_TOKEN_SECRET,
      ...(values.PROXMOX_FINGERPRINT ? { fingerprint: values.PROXMOX_FINGERPRINT } : {}),
    };
  } else if (values.PROXMOX_SIMULATOR === 'on') {
    proxmox = {
      kind: 'simulator',
      port: values.SIMULATOR_PORT,
      timeFactor: values.SIMULATOR_TIME_FACTOR,
      connection: values.DEMO_CLUSTER_CONNECTION,
    };
  }
  let tenantPlans: TenantPlans;
  let plans: PlanTable;
  let defaultPlan: string;
  try {
    tenantPlans = parseTenantPlans(values.TENANT_PLANS, 'TENANT_PLANS');
    plans = parsePlanTable(values.TENANT_PLANS, 'TENANT_PLANS');
    defaultPlan = parseDefaultPlan(values.DEFAULT_PLAN, plans, 'DEFAULT_PLAN');
  } catch (error) {
    throw new LocalRuntimeError(`invalid setting: ${(error as Error).message}`);
  }
  return {
    proxmox,
    tenantPlans,
    plans,
    defaultPlan,
    port: values.PORT,
    host: values.HOST,
    dataDir: resolve(values.DATA_DIR),
    ...(values.DYNAMODB_ENDPOINT ? { dynamoEndpoint: values.DYNAMODB_ENDPOINT } : {}),
    tableName: values.TABLE_NAME,
    ttlSweepMs: values.TTL_SWEEP_SECONDS * 1000,
    tokenTtlSeconds: Math.round(values.TOKEN_TTL_HOURS * 3600),
    logLevel: values.POWERTOOLS_LOG_LEVEL,
    workflowTimeFactor: values.WORKFLOW_TIME_FACTOR,
    sweepIntervalMs: Math.round(values.SWEEP_INTERVAL_HOURS * 3600_000),
    rpoCheckIntervalMs: Math.round(values.RPO_CHECK_MINUTES * 60_000),
    ...(values.SMTP_URL ? { smtpUrl: values.SMTP_URL } : {}),
    mailFrom: values.MAIL_FROM,
    webhookPrivateAddresses: values.WEBHOOK_PRIVATE_ADDRESSES === 'allow',
    notifyRetryBaseMs: values.NOTIFY_RETRY_BASE_MS,
    iamMode: values.LOCAL_IAM,
    throttle: values.LOCAL_THROTTLE,
    throttleSeed: values.LOCAL_THROTTLE_SEED,
    agentOfflineAfterMs: values.AGENT_OFFLINE_AFTER_SECONDS * 1000,
    agentMessageLimits: { perSecond: values.AGENT_MESSAGES_PER_SECOND, burst: values.AGENT_MESSAGE_BURST },
    agentGatewayLimits: {
      idleMs: values.AGENT_GATEWAY_IDLE_SECONDS * 1000,
      maxConnectionMs: values.AGENT_GATEWAY_MAX_CONNECTION_SECONDS * 1000,
    },
    agentPort: values.AGENT_PORT,
  };
}

/** Every fixed port the runtime will listen on, with the setting that chooses it. */
export function portsToBind(config: LocalConfig): PortToBind[] {
  return [
    { port: config.port, host: config.host, variable: 'PORT', what: "the API's port" },
    ...(config.agentPort
      ? [
          {
            port: config.agentPort,
            host: config.host,
            variable: 'AGENT_PORT',
            what: "the agents' WebSocket port",
          },
        ]
      : []),
    ...(config.proxmox.kind === 'simulator'
      ? [
          {
            port: config.proxmox.port,
            // The simulator listens on loopback only (simulator-host.ts).
            host: '127.0.0.1',
            variable: 'SIMULATOR_PORT',
            what: "the Proxmox simulator's port",
            alternative: 'or set PROXMOX_SIMULATOR=off to run without it',
          },
        ]
      : []),
  ];
}

/** What `npm run token` reads from the environment. */
export interface TokenSettings {
  /** `DATA_DIR` as given (resolved), or absent when it is not set. */
  readonly dataDir?: string;
  /** The folder `npm start` uses when `DATA_DIR` is not set. */
  readonly defaultDataDir: string;
  readonly tokenTtlSeconds: number;
}

/** Reads only the settings the token command needs, so an unrelated bad setting cannot stop it. */
export function loadTokenSettings(env: Record<string, string | undefined>): TokenSettings {
  const values = parseEnvironment(
    schema.pick({ DATA_DIR: true, TOKEN_TTL_HOURS: true }),
    { ...env, DATA_DIR: env.DATA_DIR || undefined },
    (problems) => new LocalRuntimeError(`invalid setting: ${problems}`),
  );
  return {
    ...(env.DATA_DIR ? { dataDir: resolve(values.DATA_DIR) } : {}),
    defaultDataDir: resolve(DEFAULT_DATA_DIR),
    tokenTtlSeconds: Math.round(values.TOKEN_TTL_HOURS * 3600),
  };
}
