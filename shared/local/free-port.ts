import { createServer } from 'node:net';
import { LocalRuntimeError } from './errors.ts';

/** A TCP port on the loopback interface that nothing listens on right now. */
export async function findFreePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port the local runtime is going to listen on, and the setting that chooses it. */
export interface PortToBind {
  readonly port: number;
  readonly host: string;
  /** The environment variable that sets the port, named in the error. */
  readonly variable: string;
  /** What listens there, e.g. `the API`. */
  readonly what: string;
  /** Another way out besides a free port, e.g. `or PROXMOX_SIMULATOR=off`. */
  readonly alternative?: string;
}

/**
 * Fails at once, naming the port and the variable to change, when a port the runtime will
 * listen on cannot be had. Checked before anything slow starts (DynamoDB Local takes many
 * seconds), so a taken port is reported in well under a second instead of after all of it.
 * Port 0 (any free port) is never checked. The real listen still reports a port taken in between.
 */
export async function assertPortsFree(ports: readonly PortToBind[]): Promise<void> {
  const fixed = ports.filter((entry) => entry.port !== 0);
  for (const [index, entry] of fixed.entries()) {
    const twin = fixed.slice(index + 1).find((other) => other.port === entry.port);
    if (twin) {
      throw new LocalRuntimeError(
        `${entry.variable} and ${twin.variable} are both ${entry.port}, but ${entry.what} and ${twin.what} each need their own port; set one of them to another port`,
      );
    }
  }
  for (const entry of fixed) await probe(entry);
}

async function probe(entry: PortToBind): Promise<void> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: entry.port, host: entry.host, exclusive: true }, () => resolve());
    });
  } catch (error) {
    throw new LocalRuntimeError(portProblem(entry, (error as NodeJS.ErrnoException).code), { cause: error });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function portProblem(entry: PortToBind, code: string | undefined): string {
  const alternative = entry.alternative ? `, ${entry.alternative}` : '';
  switch (code) {
    case 'EADDRINUSE':
      return `port ${entry.port} is already in use (${entry.what}, ${entry.variable}); stop the other process or set ${entry.variable} to a free port${alternative}`;
    case 'EACCES':
      return `port ${entry.port} (${entry.what}, ${entry.variable}) needs privileges this user lacks; set ${entry.variable} to a port of 1024 or above${alternative}`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `${entry.host} is not an address of this machine, so ${entry.what} cannot listen on it; set HOST to one (e.g. 127.0.0.1)`;
    default:
      return `${entry.what} cannot listen on ${entry.host}:${entry.port} (${code ?? 'unknown error'}); set ${entry.variable} to another port${alternative}`;
  }
}
