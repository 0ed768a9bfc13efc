import type { ProxmoxConnection } from '#shared/adapters/proxmox/client.ts';
import { ProxmoxPermissionError } from '#shared/domain/proxmox-errors.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';
import { callProxmox } from '#shared/ports/proxmox-gateway.ts';

/** Privileges the service needs on `/vms` to take and inspect snapshots. */
const REQUIRED_PRIVILEGES = ['VM.Audit', 'VM.Snapshot'] as const;

/**
 * Checks that a cluster answers with these connection details and that the token may take
 * snapshots, before anything is stored. Throws the mapped Proxmox error (unreachable, TLS,
 * auth, permission) so the API can say exactly what is wrong.
 */
export async function probeCluster(
  proxmox: ProxmoxGateway,
  connection: ProxmoxConnection,
): Promise<{ version: string }> {
  const result = await callProxmox(proxmox, { probe: connection });
  const missing = REQUIRED_PRIVILEGES.filter((privilege) => result.privileges[privilege] !== 1);
  if (missing.length > 0) {
    const text = `the token lacks ${missing.join(', ')} on /vms`;
    throw new ProxmoxPermissionError(
      `${text}; grant them (e.g. the PVEVMAdmin role on /vms) and try again`,
      text,
      '/vms',
      missing.join('|'),
    );
  }
  return { version: result.version };
}
