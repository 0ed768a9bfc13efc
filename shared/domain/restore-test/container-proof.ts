import type { ContainerInterface } from '../proxmox/commands.ts';

/** What a look at a started test container proves: alive (and what showed it), or not yet (and why). */
export type ContainerProof =
  | { readonly alive: true; readonly output: string }
  | { readonly alive: false; readonly why: string };

/** A configured network device: its name in the container and its MAC, from `name=eth0,hwaddr=…`. */
function devicesOf(nets: Record<string, string>): Array<{ name: string; mac?: string }> {
  return Object.values(nets).map((value) => {
    const options = Object.fromEntries(
      value.split(',').map((pair) => {
        const [key = '', ...rest] = pair.split('=');
        return [key, rest.join('=')];
      }),
    );
    return { name: options.name ?? '', ...(options.hwaddr ? { mac: options.hwaddr.toLowerCase() } : {}) };
  });
}

/**
 * The strongest proof of life Proxmox's API gives for a container (it has no command execution
 * for containers: `pct exec` is the node's CLI, not an API call): the container runs, its init
 * process is alive (`pid` in `status/current`), and its network namespace, entered by Proxmox,
 * holds every network device the container was configured with (`netN`'s `name` and `hwaddr`).
 */
export function containerProof(
  status: Readonly<Record<string, unknown>>,
  interfaces: readonly ContainerInterface[],
  nets: Record<string, string>,
): ContainerProof {
  const pid = status.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0)
    return { alive: false, why: 'Proxmox reports no init process (pid) for the container' };
  if (interfaces.length === 0)
    return { alive: false, why: 'Proxmox lists no interfaces: the container has no network namespace' };
  const missing = devicesOf(nets).filter(
    (device) =>
      !interfaces.some(
        (found) => found.name === device.name && (!device.mac || found.hwaddr?.toLowerCase() === device.mac),
      ),
  );
  if (missing.length > 0)
    return {
      alive: false,
      why: `configured interfaces missing in the container: ${missing.map((d) => `${d.name} (${d.mac ?? 'no MAC'})`).join(', ')}`,
    };
  const uptime = typeof status.uptime === 'number' ? `, up ${status.uptime} s` : '';
  const listed = interfaces.map((found) =>
    found.hwaddr && found.name !== 'lo' ? `${found.name} ${found.hwaddr}` : found.name,
  );
  return {
    alive: true,
    output: `status: running; init pid ${pid}${uptime}; interfaces: ${listed.join(', ')}`,
  };
}
