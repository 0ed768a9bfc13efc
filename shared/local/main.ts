/**
 * `npm start`: runs the whole service locally on embedded defaults until Ctrl-C.
 */
// First: before anything loads the X-Ray SDK (see the module).
import './xray-off.ts';
import { LocalRuntimeError } from './errors.ts';
import { assertPortsFree } from './free-port.ts';
import { loadLocalConfig, portsToBind } from './local-config.ts';
import { registerService, registryDir, runningServices } from './service-registry.ts';

/** Tells `npm run token` where this service keeps its key; a failure only costs that convenience. */
async function announce(url: string, dataDir: string): Promise<{ unregister(): void; others: number[] }> {
  const dir = registryDir(process.env);
  const port = Number(new URL(url).port || 80);
  try {
    const others = (await runningServices(dir)).map((service) => service.port).filter((p) => p !== port);
    const registration = await registerService(dir, {
      pid: process.pid,
      url,
      port,
      dataDir,
      startedAt: new Date().toISOString(),
    });
    return { unregister: registration.unregister, others };
  } catch (error) {
    console.error(
      `Could not announce this service in ${dir} (${(error as Error).message}); ` +
        `npm run token needs DATA_DIR=${dataDir} to sign tokens for it.`,
    );
    return { unregister: () => {}, others: [] };
  }
}

/** A console that cannot be built must not keep the API from starting: its page says how to build. */
async function buildConsoleOrWarn(): Promise<void> {
  const { consoleIsCurrent, ensureConsoleBuilt } = await import('./console/build-console.ts');
  try {
    if (consoleIsCurrent()) return;
    console.error('Building the console (first start, or its sources changed) ...');
    await ensureConsoleBuilt();
  } catch (error) {
    console.error(`Could not build the console (${(error as Error).message}); run npm run build:console.`);
  }
}

async function main(): Promise<void> {
  // Everything the service writes (keys, token secrets, the table, mail) is for this user
  // alone; child processes such as DynamoDB Local's Java inherit the mask.
  process.umask(0o077);
  const config = loadLocalConfig(process.env);
  // A taken port is reported before the runtime's modules load (seconds) and long before
  // DynamoDB Local starts; the runtime checks again for callers that start it in-process.
  await assertPortsFree(portsToBind(config));
  console.error(`Starting the snapshot service (data in ${config.dataDir}) ...`);
  // Built beside the start (DynamoDB Local's seconds); the folder is swapped in whole when ready.
  const consoleReady = buildConsoleOrWarn();
  const { startLocalRuntime } = await import('./runtime.ts');
  const runtime = await startLocalRuntime(config);
  await consoleReady;
  const announcement = await announce(runtime.url, config.dataDir);
  process.on('exit', () => announcement.unregister());
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping ...`);
    announcement.unregister();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const port = new URL(runtime.url).port || '80';
  console.error(
    [
      '',
      `  Console    ${runtime.url}/   (sign in as the demo tenant)`,
      `  API        ${runtime.url}/v1   (health: ${runtime.url}/v1/health)`,
      `  Docs       ${runtime.url}/docs   OpenAPI: ${runtime.url}/openapi.json`,
      `  DynamoDB   ${runtime.dynamoEndpoint}   table ${config.tableName}`,
      `  Agents     ${runtime.agentUrl}   (WebSocket; AGENT_PORT)`,
      ...(runtime.demo
        ? [
            `  Proxmox    ${runtime.demo.proxmoxUrl}${config.proxmox.kind === 'simulator' ? ' (built-in simulator)' : ''}${runtime.demo.fingerprint ? `  fingerprint ${runtime.demo.fingerprint}` : ''}`,
            `             registered for tenant demo as cluster lab (${runtime.demo.clusterId})`,
          ]
        : []),
      '',
      '  Get a token (new tenants are created on first use):',
      '    TOKEN=$(npm run --silent token -- --tenant demo --role admin)',
      ...(announcement.others.length > 0
        ? [
            `    (services on ports ${announcement.others.join(', ')} run too: add --port ${port} to sign for this one)`,
          ]
        : []),
      `    curl -H "Authorization: Bearer $TOKEN" ${runtime.url}/v1/guests`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  if (error instanceof LocalRuntimeError) {
    console.error(`Cannot start: ${error.message}`);
  } else {
    console.error('Cannot start:', error);
  }
  process.exit(1);
});
