import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { inject } from 'vitest';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import type { SimState } from '#shared/local/proxmox-simulator/model.ts';
import type { SimulatorOptions } from '#shared/local/proxmox-simulator/simulator.ts';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '#shared/local/runtime.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from './simulator.ts';

/** @public What every `Caller` method answers (knip: part of the helper's interface). */
export interface ApiResponse<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export interface Caller {
  request<T = any>(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  delete<T = any>(path: string, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

export interface TestApi {
  readonly runtime: LocalRuntime;
  readonly url: string;
  /** Every line the service logged so far. */
  readonly logs: string[];
  /** A caller holding a real token for the tenant and role. */
  as(tenant: string, role: 'viewer' | 'operator' | 'admin'): Promise<Caller>;
  /** A caller holding the service operator's token (scope pve-snapshots/operator, no tenant). */
  asOperator(subject?: string): Promise<Caller>;
  /** A caller sending exactly the given Authorization header (or none). */
  raw(authorization?: string): Caller;
  /** The simulated Proxmox cluster the tests register. */
  readonly simulator: TestSimulator;
  /** A valid registration of the simulated cluster; override any part. */
  clusterBody(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Moves the service's clock. */
  setNow(ms: number): void;
  stop(): Promise<void>;
}

function caller(url: string, authorization?: string): Caller {
  const request = async (
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = {
      ...(authorization ? { authorization } : {}),
      ...options.headers,
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (CSV, HTML): keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as any, text };
  };
  return {
    request,
    get: (path, headers) => request('GET', path, { ...(headers ? { headers } : {}) }),
    post: (path, body, headers) => request('POST', path, { body, ...(headers ? { headers } : {}) }),
    patch: (path, body, headers) => request('PATCH', path, { body, ...(headers ? { headers } : {}) }),
    delete: (path, headers) => request('DELETE', path, { ...(headers ? { headers } : {}) }),
  };
}

/**
 * The whole local runtime on a fresh table and data folder, reached over real HTTP with real
 * tokens. Log lines are captured so tests can check what the service writes there.
 */
export async function startTestApi(
  options: {
    scheduler?: boolean;
    env?: Record<string, string>;
    simulatorState?: SimState;
    /** The simulator's options (task durations, time factor). */
    simulator?: SimulatorOptions;
    /** Runtime options: grants to enforce instead of the synthesized template's, a history listener. */
    runtime?: Pick<
      LocalRuntimeOptions,
      | 'grants'
      | 'onWorkflowHistory'
      | 'onWorkflowEvent'
      | 'hookCertificates'
      | 'expressLimitMs'
      | 'fastLaneStartWithinMs'
      | 'workflowWaitOverrides'
    >;
  } = {},
): Promise<TestApi> {
  const logs: string[] = [];
  let offset = 0;
  const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG' });
  // Powertools writes through its own Console on process.stdout; capture what it prints.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"level"')) {
      logs.push(text);
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  const config = loadLocalConfig({
    PORT: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'pve-snap-test-')),
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    TABLE_NAME: `api-${randomUUID()}`,
    // Tests bring their own simulator, one per test file.
    PROXMOX_SIMULATOR: 'off',
    // Webhook retries in milliseconds instead of seconds.
    NOTIFY_RETRY_BASE_MS: '10',
    // Every Wait state and Retry interval of the workflows scaled down (a 3 s first task check
    // becomes 12 ms, a 30 s lock back-off 120 ms), whatever states the definitions add.
    WORKFLOW_TIME_FACTOR: '0.004',
    ...options.env,
  });
  const runtime = await startLocalRuntime(config, {
    logger,
    now: () => Date.now() + offset,
    // Off unless a test is about schedules: a policy must not fire because a test ran at 02:00.
    scheduler: options.scheduler ?? false,
    ...options.runtime,
  });
  const simulator = await startTestSimulator({
    ...(options.simulatorState ? { state: options.simulatorState } : {}),
    ...(options.simulator ? { simulator: options.simulator } : {}),
  });
  return {
    runtime,
    simulator,
    clusterBody: (overrides = {}) => ({
      name: `lab-${randomUUID().slice(0, 8)}`,
      url: simulator.server.url,
      tokenId: TOKEN_ID,
      tokenSecret: TOKEN_SECRET,
      fingerprint: simulator.server.fingerprint(),
      ...overrides,
    }),
    url: runtime.url,
    logs,
    as: async (tenant, role) => caller(runtime.url, `Bearer ${await runtime.token(tenant, role)}`),
    asOperator: async (subject) => caller(runtime.url, `Bearer ${await runtime.operatorToken(subject)}`),
    raw: (authorization) => caller(runtime.url, authorization),
    setNow: (ms) => {
      offset = ms - Date.now();
    },
    stop: async () => {
      process.stdout.write = write;
      await runtime.stop();
      await simulator.close();
    },
  };
}

/** A valid policy body; override any part. */
export function policyBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `nightly-${randomUUID().slice(0, 8)}`,
    schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
    selector: { tags: ['prod'] },
    retention: { keepDaily: 7, keepWeekly: 4 },
    ...overrides,
  };
}

export const FINGERPRINT = Array.from({ length: 32 }, (_, index) =>
  index.toString(16).padStart(2, '0').toUpperCase(),
).join(':');
