import { readFileSync } from 'node:fs';

/** What the agent needs, from its environment (systemd `EnvironmentFile`) and key/token files. */
export interface AgentConfig {
  readonly serviceUrl: string;
  readonly key: string;
  readonly proxmox: {
    readonly url: string;
    readonly tokenId: string;
    readonly secret: string;
    readonly fingerprint?: string;
    readonly caCertificate?: string;
  };
  readonly pingMs: number;
}

export class AgentConfigError extends Error {}

/** A secret from `<NAME>_FILE` (preferred: the file can be root-only) or `<NAME>`. */
function secret(env: Record<string, string | undefined>, name: string): string {
  const file = env[`${name}_FILE`];
  const value = file ? readFileSync(file, 'utf8').trim() : env[name]?.trim();
  if (!value) throw new AgentConfigError(`set ${name}_FILE (a file holding it) or ${name}`);
  return value;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new AgentConfigError(`set ${name}`);
  return value;
}

export function loadAgentConfig(env: Record<string, string | undefined>): AgentConfig {
  const serviceUrl = required(env, 'AGENT_SERVICE_URL');
  if (!/^wss?:\/\//.test(serviceUrl))
    throw new AgentConfigError('AGENT_SERVICE_URL must be a wss:// (or local ws://) URL');
  const url = required(env, 'PROXMOX_URL');
  if (!url.startsWith('https://')) throw new AgentConfigError('PROXMOX_URL must be an https:// URL');
  const fingerprint = env.PROXMOX_FINGERPRINT?.trim();
  const caFile = env.PROXMOX_CA_FILE?.trim();
  return {
    serviceUrl,
    key: secret(env, 'AGENT_KEY'),
    proxmox: {
      url,
      tokenId: required(env, 'PROXMOX_TOKEN_ID'),
      secret: secret(env, 'PROXMOX_TOKEN_SECRET'),
      ...(fingerprint ? { fingerprint: fingerprint.toUpperCase() } : {}),
      ...(caFile ? { caCertificate: readFileSync(caFile, 'utf8') } : {}),
    },
    pingMs: Number(env.AGENT_PING_SECONDS ?? 300) * 1000,
  };
}
