import { existsSync, readFileSync, rmSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A running `npm start`, as it announces itself to `npm run token`: the token command signs
 * with the key in the data folder of the service that will verify the token, whichever
 * `DATA_DIR` that service was started with.
 */
export interface ServiceRecord {
  readonly pid: number;
  /** The API's base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The API's port; one record per port, since two services cannot share one. */
  readonly port: number;
  /** The service's data folder (absolute). */
  readonly dataDir: string;
  readonly startedAt: string;
  /** The process's command line as /proc shows it, to tell it from a later process with the same pid. */
  readonly cmdline?: string;
}

/**
 * Where running services announce themselves: a per-user folder, `$XDG_RUNTIME_DIR/pve-snapshots`
 * (private and emptied at logout where the system provides it), else `<tmp>/pve-snapshots-<uid>`.
 */
export function registryDir(env: Record<string, string | undefined>): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'pve-snapshots');
  return join(tmpdir(), `pve-snapshots-${process.getuid?.() ?? 'user'}`);
}

const recordFile = (dir: string, port: number) => join(dir, `service-${port}.json`);

/**
 * Whether the folder can be trusted: a real folder (no symbolic link), owned by this user and
 * closed to everyone else. In a shared temporary folder another user could have made it first.
 */
async function isPrivateFolder(dir: string): Promise<boolean> {
  try {
    const info = await lstat(dir);
    const uid = process.getuid?.();
    return info.isDirectory() && (uid === undefined || info.uid === uid) && (info.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function ownCmdline(): string | undefined {
  return existsSync('/proc/self/cmdline') ? readFileSync('/proc/self/cmdline', 'utf8') : undefined;
}

/**
 * Whether the process that wrote the record still runs: the pid exists and, where /proc tells,
 * runs the same command line (a pid the system gave to another program since does not count).
 */
function isRunning(record: ServiceRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (record.cmdline === undefined) return true;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8') === record.cmdline;
  } catch {
    return false;
  }
}

function parseRecord(text: string): ServiceRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<ServiceRecord>;
    if (
      Number.isInteger(value.pid) &&
      Number.isInteger(value.port) &&
      typeof value.url === 'string' &&
      typeof value.dataDir === 'string' &&
      typeof value.startedAt === 'string'
    ) {
      return value as ServiceRecord;
    }
  } catch {
    // a half-written or foreign file: not a service
  }
  return undefined;
}

/**
 * The services that announced themselves in `dir` and still run, by port. Records of services
 * that ended without saying so (SIGKILL, a crash) are removed on the way.
 */
export async function runningServices(
  dir: string,
  running: (record: ServiceRecord) => boolean = isRunning,
): Promise<ServiceRecord[]> {
  if (!(await isPrivateFolder(dir))) return [];
  const services: ServiceRecord[] = [];
  for (const name of await readdir(dir)) {
    if (!/^service-\d+\.json$/.test(name)) continue;
    const file = join(dir, name);
    const record = parseRecord(await readFile(file, 'utf8').catch(() => ''));
    if (record && running(record)) services.push(record);
    else await rm(file, { force: true });
  }
  return services.sort((a, b) => a.port - b.port);
}

/**
 * Announces a running service in `dir` (created private) and returns how to withdraw the
 * announcement; withdrawing is synchronous so that it also works in an `exit` handler.
 * Throws when the folder exists but is not private to this user.
 */
export async function registerService(
  dir: string,
  record: Omit<ServiceRecord, 'cmdline'>,
): Promise<{ readonly file: string; unregister(): void }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!(await isPrivateFolder(dir))) {
    throw new Error(`${dir} is not a folder of this user's alone`);
  }
  const cmdline = ownCmdline();
  const full: ServiceRecord = { ...record, ...(cmdline !== undefined ? { cmdline } : {}) };
  const file = recordFile(dir, record.port);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(full), { mode: 0o600 });
  await rename(temporary, file);
  return {
    file,
    unregister: () => {
      // Only our own record: after a crash, a newer service may have taken the port and the file.
      const current = parseRecord(existsSync(file) ? readFileSync(file, 'utf8') : '');
      if (current?.pid === record.pid) rmSync(file, { force: true });
    },
  };
}
