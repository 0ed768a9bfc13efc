import type { Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { createStore, type Store } from '#shared/adapters/dynamo/store.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { LocalSecretStore } from '#shared/adapters/secrets/local-secret-store.ts';
import { createApiHandler } from '#shared/api/lambda.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { assertWritable, dataPaths, loadOrCreateKey } from './data-dir.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalRuntimeError } from './errors.ts';
import { createLocalHttpServer } from './http-server.ts';
import { createTokenVerifier, loadOrCreateSigningKey, mintToken } from './jwt.ts';
import type { LocalConfig } from './local-config.ts';
import { ensureTable } from './table-bootstrap.ts';
import { startTtlSweeper } from './ttl-sweeper.ts';

export interface LocalRuntime {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly store: Store;
  readonly dynamoEndpoint: string;
  readonly dataDir: string;
  /** Mints a token the way `npm run token` does. */
  token(tenant: string, role: string, subject?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new LocalRuntimeError(
            `port ${port} is already in use; stop the other process or set PORT to a free port`,
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts the whole service on embedded parts: DynamoDB Local (or a given endpoint), the table
 * from the shared declaration, the API handler behind a local API Gateway, and the TTL sweeper.
 * Everything it started is stopped again by `stop()`.
 */
export async function startLocalRuntime(
  config: LocalConfig,
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  const logger =
    options.logger ?? new Logger({ serviceName: 'pve-snapshots-local', logLevel: config.logLevel });
  const now = options.now ?? Date.now;
  await assertWritable(config.dataDir);
  const paths = dataPaths(config.dataDir);
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    stops.length = 0;
  };
  try {
    let dynamo: DynamoDbLocal | undefined;
    if (!config.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal({ dataDir: paths.dynamodb });
      stops.push(() => (dynamo as DynamoDbLocal).stop());
    }
    const dynamoEndpoint = config.dynamoEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
    const client = new DynamoDBClient(localClientConfig(dynamoEndpoint));
    const tableState = await ensureTable(client, config.tableName);
    client.destroy();
    logger.debug('table ready', { table: config.tableName, state: tableState });

    const doc = createDocumentClient(localClientConfig(dynamoEndpoint));
    stops.push(async () => doc.destroy());
    const store = createStore({
      doc,
      tableName: config.tableName,
      cursorKey: await loadOrCreateKey(paths.cursorKey),
      now,
    });
    const signingKey = await loadOrCreateSigningKey(paths.jwtKey);
    const secrets = new LocalSecretStore(paths.secrets, await loadOrCreateKey(paths.secretsKey));
    const proxmox = new CachedProxmoxConnector(secrets);
    stops.push(() => proxmox.close());
    const handler = createApiHandler({
      store,
      secrets,
      proxmox,
      ids: createUlidGenerator(now),
      now,
      logger,
      claims: { tenant: 'tenant', role: 'role' },
      version: process.env.npm_package_version ?? '0.1.0',
    });
    const server = createLocalHttpServer({ handler, verifyToken: createTokenVerifier(signingKey) });
    const port = await listen(server, config.port, config.host);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    stops.push(
      startTtlSweeper({
        doc,
        tableName: config.tableName,
        now,
        intervalMs: config.ttlSweepMs,
        onSweep: (deleted) => deleted > 0 && logger.info('expired items removed', { deleted }),
        onError: (error) => logger.warn('TTL sweep failed', { error: error as Error }),
      }),
    );
    return {
      url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
      store,
      dynamoEndpoint,
      dataDir: config.dataDir,
      token: (tenant, role, subject = `${tenant}-${role}`) =>
        mintToken(signingKey, { tenant, role, subject, ttlSeconds: config.tokenTtlSeconds }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
