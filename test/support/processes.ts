import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Command lines of running processes (from /proc), to find what a test started. */
export function runningCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Started {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `node <script>` with the given environment, collecting its output. */
export function startNode(script: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** `npm start` (the local runtime's entry) as a process on free ports, ready once health answers. */
export async function startServiceProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ service: Started; url: string }> {
  const { findFreePort } = await import('#shared/local/free-port.ts');
  const port = await findFreePort();
  const service = startNode('shared/local/main.ts', {
    DATA_DIR: dataDir,
    PORT: String(port),
    SIMULATOR_PORT: String(await findFreePort()),
    SIMULATOR_TIME_FACTOR: '0.01',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (service.child.exitCode !== null) throw new Error(`service exited:\n${service.output()}`);
        // Health answers as soon as the runtime is up; the banner follows once the console is
        // built and the service announced, and callers read it.
        if (!service.output().includes('Ctrl-C stops everything.')) return false;
        return (await fetch(`${url}/v1/health`).catch(() => undefined))?.ok === true;
      },
      60_000,
      'the service to answer and print where it is',
    );
  } catch (error) {
    // A service that never answered must not outlive the test (with its DynamoDB Local).
    service.child.kill('SIGTERM');
    await service.exited;
    throw error;
  }
  return { service, url };
}

/**
 * `npm start` as a process on a fresh data folder (named from `prefix`), against a simulated
 * cluster outside it (its tasks keep running when the service is killed), with an admin token for
 * `demo` and a JSON caller that takes the URL (it changes on restart). `env` restarts it on the
 * same folder.
 */
export async function startAgainstCluster(
  cluster: {
    readonly url: string;
    readonly tokenId: string;
    readonly tokenSecret: string;
    readonly fingerprint: string;
  },
  prefix: string,
) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env = {
    PROXMOX_URL: cluster.url,
    PROXMOX_TOKEN_ID: cluster.tokenId,
    PROXMOX_TOKEN_SECRET: cluster.tokenSecret,
    PROXMOX_FINGERPRINT: cluster.fingerprint,
    WORKFLOW_TIME_FACTOR: '0.05',
  };
  const first = await startServiceProcess(dataDir, env);
  const token = spawnSync(
    process.execPath,
    ['shared/local/token-cli.ts', '--tenant', 'demo', '--role', 'admin'],
    { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' },
  ).stdout.trim();
  const call = async (url: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as any;
  };
  return { dataDir, env, first, call };
}
