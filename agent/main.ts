import { ProxmoxApiClient } from '#shared/adapters/proxmox/api-client.ts';
import { httpsTransport } from '#shared/adapters/proxmox/https-transport.ts';
import { transportTimeouts } from '#shared/adapters/proxmox/transport.ts';
import { COMMAND_TYPES } from '#shared/domain/proxmox/commands.ts';
import { type AgentLog, ProxmoxAgent } from './agent.ts';
import { AgentConfigError, loadAgentConfig } from './config.ts';

/** The agent's version, announced to the service (which refuses commands it does not list). */
const AGENT_VERSION = '1.0.0';

/** One JSON line per event on stdout (the journal under systemd); never the key or the token. */
const log: AgentLog = (level, message, fields = {}) =>
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })}\n`);

async function main(): Promise<void> {
  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(process.env);
  } catch (error) {
    if (!(error instanceof AgentConfigError)) throw error;
    log('ERROR', `configuration: ${error.message}`);
    process.exit(2);
  }
  const client = new ProxmoxApiClient(
    config.proxmox,
    {},
    httpsTransport(config.proxmox, transportTimeouts({})),
  );
  const agent = new ProxmoxAgent({
    serviceUrl: config.serviceUrl,
    key: config.key,
    client,
    version: AGENT_VERSION,
    commands: COMMAND_TYPES,
    log,
    pingMs: config.pingMs,
  });
  log('INFO', 'agent starting', {
    version: AGENT_VERSION,
    node: process.version,
    proxmox: config.proxmox.url,
  });
  const stop = async () => {
    await agent.stop();
    await client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  await agent.start();
}

await main();
