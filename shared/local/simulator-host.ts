import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalRuntimeError } from './errors.ts';
import { demoClusterState, type SimState } from './proxmox-simulator/model.ts';
import {
  generateCertificate,
  type SimulatorCertificate,
  type SimulatorServer,
  startSimulatorServer,
} from './proxmox-simulator/server.ts';
import { ProxmoxSimulator } from './proxmox-simulator/simulator.ts';

export interface HostedSimulator {
  readonly server: SimulatorServer;
  readonly tokenId: string;
  readonly tokenSecret: string;
  stop(): Promise<void>;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes through a temporary file, so a crash never leaves half a state file. */
async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value), { mode: 0o600 });
  await rename(temporary, file);
}

/**
 * The built-in Proxmox simulator of `npm start`: its cluster state, certificate and API token
 * persist under `<dataDir>/simulator/`, so the registered `lab` cluster keeps working (same
 * fingerprint, same guests and snapshots) across restarts.
 */
export async function startHostedSimulator(
  dataDir: string,
  options: { port: number; timeFactor: number },
): Promise<HostedSimulator> {
  const folder = join(dataDir, 'simulator');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const files = {
    state: join(folder, 'state.json'),
    certificate: join(folder, 'certificate.json'),
    token: join(folder, 'token.json'),
  };
  const state = (await readJson<SimState>(files.state)) ?? demoClusterState();
  let certificate = await readJson<SimulatorCertificate>(files.certificate);
  if (!certificate) {
    certificate = await generateCertificate();
    await writeJsonAtomically(files.certificate, certificate);
  }
  let token = await readJson<{ tokenId: string; secret: string }>(files.token);
  if (!token) {
    token = { tokenId: 'snapshots@pve!service', secret: randomUUID() };
    await writeJsonAtomically(files.token, token);
  }

  let saving: Promise<void> = Promise.resolve();
  let pending = false;
  const save = () => {
    if (pending) return;
    pending = true;
    // Coalesce bursts of changes into one write, and never run two writes at once.
    saving = saving.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      pending = false;
      await writeJsonAtomically(files.state, simulator.state);
    });
  };
  const simulator = new ProxmoxSimulator(state, { timeFactor: options.timeFactor, onChange: save });
  await writeJsonAtomically(files.state, simulator.state);
  let server: SimulatorServer;
  try {
    server = await startSimulatorServer({
      simulator,
      tokens: { [token.tokenId]: token.secret },
      certificate,
      port: options.port,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new LocalRuntimeError(
        `port ${options.port} for the Proxmox simulator is already in use; set SIMULATOR_PORT to a free port`,
      );
    }
    throw error;
  }
  return {
    server,
    tokenId: token.tokenId,
    tokenSecret: token.secret,
    stop: async () => {
      await server.close();
      save();
      await saving;
    },
  };
}
