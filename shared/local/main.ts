/**
 * `npm start`: runs the whole service locally on embedded defaults until Ctrl-C.
 */
import { LocalRuntimeError } from './errors.ts';
import { loadLocalConfig } from './local-config.ts';
import { startLocalRuntime } from './runtime.ts';

async function main(): Promise<void> {
  const config = loadLocalConfig(process.env);
  console.error(`Starting the snapshot service (data in ${config.dataDir}) ...`);
  const runtime = await startLocalRuntime(config);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping ...`);
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  console.error(
    [
      '',
      `  API        ${runtime.url}/v1   (health: ${runtime.url}/v1/health)`,
      `  Docs       ${runtime.url}/docs   OpenAPI: ${runtime.url}/openapi.json`,
      `  DynamoDB   ${runtime.dynamoEndpoint}   table ${config.tableName}`,
      ...(runtime.demo
        ? [
            `  Proxmox    ${runtime.demo.proxmoxUrl}${config.proxmox.kind === 'simulator' ? ' (built-in simulator)' : ''}${runtime.demo.fingerprint ? `  fingerprint ${runtime.demo.fingerprint}` : ''}`,
            `             registered for tenant demo as cluster lab (${runtime.demo.clusterId})`,
          ]
        : []),
      '',
      '  Get a token (new tenants are created on first use):',
      '    TOKEN=$(npm run --silent token -- --tenant demo --role admin)',
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
