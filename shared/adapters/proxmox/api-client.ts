import type { AgentExecStatus, ContainerInterface } from '#shared/domain/proxmox/commands.ts';
import { stoppedTaskFailure } from '#shared/domain/proxmox/task-outcome.ts';
import type {
  BackupVolume,
  GuestKind,
  ProxmoxNode,
  ProxmoxPermissions,
  ProxmoxStorage,
  ProxmoxVersion,
  ProxmoxVm,
  SnapshotEntry,
  TaskStatus,
} from '#shared/domain/proxmox/types.ts';
import { parseUpid } from '#shared/domain/proxmox/upid.ts';
import {
  ProxmoxError,
  ProxmoxServerError,
  ProxmoxTlsError,
  ProxmoxUnreachableError,
} from '#shared/domain/proxmox-errors.ts';
import { mapHttpFailure } from './map-error.ts';
import type { ProxmoxTransport } from './transport.ts';

export interface ProxmoxConnection {
  /** Base URL, e.g. `https://pve1.example.com:8006`. */
  readonly url: string;
  /** `user@realm!tokenname`. */
  readonly tokenId: string;
  readonly secret: string;
  /** Pin the server certificate by SHA-256 fingerprint (`AA:BB:...`). */
  readonly fingerprint?: string;
  /** Or verify the server against this PEM CA bundle. Neither: the system's CAs. */
  readonly caCertificate?: string;
}

export interface ProxmoxClientOptions {
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly bodyTimeoutMs?: number;
  /** Further attempts after the first, for failures that are safe to retry. Default 3. */
  readonly retries?: number;
  /** First backoff; doubles per attempt, with jitter. Default 200 ms. */
  readonly retryBaseMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Params = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface WaitOptions {
  /** Give up (ProxmoxUnreachableError-free: a plain timeout) after this many ms. Default 10 min. */
  readonly timeoutMs?: number;
  /** First poll interval; grows by 1.5x up to `maxIntervalMs`. Default 250 ms. */
  readonly initialIntervalMs?: number;
  readonly maxIntervalMs?: number;
  readonly onProgress?: (status: TaskStatus) => void;
}

/** Connection-level failures where the request surely never reached Proxmox. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** OpenSSL/Node codes of a certificate that does not verify against the trusted CAs. */
const TLS_VERIFY_FAILED = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;
/** Failures after which an idempotent read may be repeated. */
const READ_RETRYABLE = new Set([
  ...NOT_SENT,
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const encode = (segments: ReadonlyArray<string | number>) =>
  segments.map((segment) => encodeURIComponent(String(segment))).join('/');

function formEncode(params: Params): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    // An array parameter (the agent's `command`) is sent as the key repeated, once per item.
    if (Array.isArray(value)) {
      for (const item of value) form.append(key, item);
      continue;
    }
    form.set(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return form.toString();
}

const splitTags = (tags: unknown) => (typeof tags === 'string' ? tags.split(/[,;\s]+/).filter(Boolean) : []);

/**
 * A client for one Proxmox VE cluster over its REST API, over a given HTTP transport (undici in
 * the service, node:https in the agent, which runs on Node 20) (`/api2/json`), with API-token auth,
 * verified TLS (pinned fingerprint or CA), timeouts, retries only where safe, and every failure
 * mapped to the Proxmox error tree. No shell, ever: every path segment and parameter is encoded.
 */
export class ProxmoxApiClient {
  readonly #connection: ProxmoxConnection;
  readonly #transport: ProxmoxTransport;
  readonly #options: Required<Omit<ProxmoxClientOptions, 'random' | 'sleep'>> &
    Pick<ProxmoxClientOptions, 'random' | 'sleep'>;

  constructor(connection: ProxmoxConnection, options: ProxmoxClientOptions, transport: ProxmoxTransport) {
    const url = new URL(connection.url);
    if (url.protocol !== 'https:')
      throw new ProxmoxTlsError('Proxmox is reached over https only', 'not https');
    this.#connection = connection;
    this.#options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: options.bodyTimeoutMs ?? 60_000,
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 200,
      ...(options.random ? { random: options.random } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    };
    this.#transport = transport;
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** One API call: `segments` are path segments after `/api2/json`, each encoded. */
  async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    segments: ReadonlyArray<string | number>,
    params: Params = {},
  ): Promise<T> {
    const path = `/api2/json/${encode(segments)}`;
    let attempt = 0;
    for (;;) {
      try {
        return await this.#once<T>(method, path, params);
      } catch (error) {
        const retryable = this.#retryable(method, error);
        if (!retryable || attempt >= this.#options.retries) throw this.#asProxmoxError(error, method, path);
        const jitter = 0.5 + (this.#options.random ?? Math.random)();
        const delay = this.#options.retryBaseMs * 2 ** attempt * jitter;
        attempt++;
        await (this.#options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))))(delay);
      }
    }
  }

  async #once<T>(method: string, path: string, params: Params): Promise<T> {
    const hasBody = method === 'POST' || method === 'PUT';
    const query = hasBody ? '' : formEncode(params);
    const response = await this.#transport.request({
      method,
      path: query ? `${path}?${query}` : path,
      headers: {
        authorization: `PVEAPIToken=${this.#connection.tokenId}=${this.#connection.secret}`,
        accept: 'application/json',
        ...(hasBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(hasBody ? { body: formEncode(params) } : {}),
    });
    const { text } = response;
    let body: { data?: unknown; errors?: Record<string, string>; message?: string } | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.status >= 400) {
      throw mapHttpFailure({
        status: response.status,
        reason: response.reason,
        body,
        method,
        path,
      });
    }
    if (!body || !('data' in body)) {
      throw new ProxmoxServerError(
        `${method} ${path}: the answer is not a Proxmox API envelope`,
        text.slice(0, 200),
      );
    }
    return body.data as T;
  }

  #retryable(method: string, error: unknown): boolean {
    if (error instanceof ProxmoxError) {
      // 595/596 come from the cluster's proxy, which did not reach the node: nothing ran there.
      if (error.httpStatus === 595 || error.httpStatus === 596) return true;
      return method === 'GET' && error instanceof ProxmoxUnreachableError;
    }
    const code = errorCode(error);
    if (code === undefined) return false;
    return method === 'GET' ? READ_RETRYABLE.has(code) : NOT_SENT.has(code);
  }

  #asProxmoxError(error: unknown, method: string, path: string): Error {
    if (error instanceof ProxmoxError) return error;
    const code = errorCode(error) ?? (error as Error).name;
    if (TLS_VERIFY_FAILED.test(code)) {
      return new ProxmoxTlsError(
        `${method} ${path}: the server certificate does not verify (${code})`,
        code,
        undefined,
        undefined,
      );
    }
    if (code) {
      return new ProxmoxUnreachableError(
        `${method} ${path}: ${code} (${(error as Error).message})`,
        String(code),
        { cause: error },
      );
    }
    return error as Error;
  }

  // ---- cluster ----

  version(): Promise<ProxmoxVersion> {
    return this.call('GET', ['version']);
  }

  nodes(): Promise<ProxmoxNode[]> {
    return this.call('GET', ['nodes']);
  }

  /** Guests (`type=vm` of /cluster/resources), with tags split into a list. */
  async guests(): Promise<ProxmoxVm[]> {
    const entries = await this.call<Array<Record<string, unknown>>>('GET', ['cluster', 'resources'], {
      type: 'vm',
    });
    return entries
      .filter((entry) => entry.type === 'qemu' || entry.type === 'lxc')
      .map((entry) => ({
        vmid: Number(entry.vmid),
        node: String(entry.node),
        type: entry.type as GuestKind,
        name: typeof entry.name === 'string' ? entry.name : undefined,
        status: String(entry.status ?? 'unknown'),
        template: Number(entry.template ?? 0) === 1,
        tags: splitTags(entry.tags),
        pool: typeof entry.pool === 'string' ? entry.pool : undefined,
        lock: typeof entry.lock === 'string' ? entry.lock : undefined,
      }));
  }

  /** Storages per node (`type=storage` of /cluster/resources): figures only where pvestatd has them. */
  async storageResources(): Promise<ProxmoxStorage[]> {
    const entries = await this.call<Array<Record<string, unknown>>>('GET', ['cluster', 'resources'], {
      type: 'storage',
    });
    return entries
      .filter((entry) => entry.type === 'storage')
      .map((entry) => ({
        storage: String(entry.storage),
        node: String(entry.node),
        type: String(entry.plugintype ?? ''),
        content: String(entry.content ?? ''),
        shared: Number(entry.shared ?? 0),
        active: entry.status === 'available' ? 1 : 0,
        ...(typeof entry.maxdisk === 'number' && typeof entry.disk === 'number'
          ? { total: entry.maxdisk, used: entry.disk, avail: entry.maxdisk - entry.disk }
          : {}),
      }));
  }

  permissions(): Promise<ProxmoxPermissions> {
    return this.call('GET', ['access', 'permissions']);
  }

  async nextVmid(): Promise<number> {
    return Number(await this.call<string | number>('GET', ['cluster', 'nextid']));
  }

  // ---- guests ----

  guestStatus(node: string, type: GuestKind, vmid: number): Promise<Record<string, unknown>> {
    return this.call('GET', ['nodes', node, type, vmid, 'status', 'current']);
  }

  guestConfig(node: string, type: GuestKind, vmid: number): Promise<Record<string, unknown>> {
    return this.call('GET', ['nodes', node, type, vmid, 'config']);
  }

  /**
   * Removes the guest's tags (PUT `/config` with `delete=tags`, synchronous for both QEMU and
   * LXC; needs VM.Config.Options).
   */
  async clearTags(node: string, type: GuestKind, vmid: number): Promise<void> {
    await this.call('PUT', ['nodes', node, type, vmid, 'config'], { delete: 'tags' });
  }

  /** Renames a guest: QEMU's `name`, LXC's `hostname` (PUT `/config`, synchronous). */
  async renameGuest(node: string, type: GuestKind, vmid: number, name: string): Promise<void> {
    await this.call(
      'PUT',
      ['nodes', node, type, vmid, 'config'],
      type === 'qemu' ? { name } : { hostname: name },
    );
  }

  /** PUT `/config` with the given options (synchronous; `digest` refuses a config changed meanwhile). */
  async updateGuestConfig(
    node: string,
    type: GuestKind,
    vmid: number,
    options: Record<string, string>,
  ): Promise<void> {
    await this.call('PUT', ['nodes', node, type, vmid, 'config'], options);
  }

  /**
   * Destroys a stopped guest (DELETE `/nodes/{node}/{type}/{vmid}`, task `qmdestroy`/`vzdestroy`),
   * with its disks (`destroy-unreferenced-disks`) and its entries in backup, replication and HA
   * jobs (`purge`). Needs VM.Allocate.
   */
  destroyGuest(node: string, type: GuestKind, vmid: number): Promise<string> {
    return this.call('DELETE', ['nodes', node, type, vmid], {
      purge: 1,
      'destroy-unreferenced-disks': 1,
    });
  }

  startGuest(node: string, type: GuestKind, vmid: number): Promise<string> {
    return this.call('POST', ['nodes', node, type, vmid, 'status', 'start']);
  }

  stopGuest(node: string, type: GuestKind, vmid: number): Promise<string> {
    return this.call('POST', ['nodes', node, type, vmid, 'status', 'stop']);
  }

  // ---- snapshots ----

  /** The guest's snapshots, without Proxmox's `current` pseudo entry. */
  async snapshots(node: string, type: GuestKind, vmid: number): Promise<SnapshotEntry[]> {
    return (await this.snapshotTree(node, type, vmid)).snapshots;
  }

  /**
   * The guest's snapshots and the parent of Proxmox's `current` pseudo entry: the snapshot the
   * guest's present state was made from (none: no snapshot lies before it).
   */
  async snapshotTree(
    node: string,
    type: GuestKind,
    vmid: number,
  ): Promise<{ snapshots: SnapshotEntry[]; currentParent: string | null }> {
    const entries = await this.call<Array<Record<string, unknown>>>('GET', [
      'nodes',
      node,
      type,
      vmid,
      'snapshot',
    ]);
    const current = entries.find((entry) => entry.name === 'current');
    return {
      snapshots: entries
        .filter((entry) => entry.name !== 'current')
        .map((entry) => ({
          name: String(entry.name),
          snaptime: Number(entry.snaptime ?? 0),
          description: String(entry.description ?? ''),
          vmstate: Number(entry.vmstate ?? 0) === 1,
          parent: typeof entry.parent === 'string' ? entry.parent : undefined,
          snapstate: typeof entry.snapstate === 'string' ? entry.snapstate : undefined,
        })),
      currentParent: typeof current?.parent === 'string' ? current.parent : null,
    };
  }

  /** Starts a snapshot task; `vmstate` (RAM) is sent for QEMU only, as LXC does not accept it. */
  createSnapshot(
    node: string,
    type: GuestKind,
    vmid: number,
    snapshot: { name: string; description?: string; vmstate?: boolean },
  ): Promise<string> {
    return this.call('POST', ['nodes', node, type, vmid, 'snapshot'], {
      snapname: snapshot.name,
      description: snapshot.description,
      ...(type === 'qemu' && snapshot.vmstate ? { vmstate: true } : {}),
    });
  }

  deleteSnapshot(node: string, type: GuestKind, vmid: number, name: string, force = false): Promise<string> {
    return this.call('DELETE', ['nodes', node, type, vmid, 'snapshot', name], force ? { force: true } : {});
  }

  rollbackSnapshot(
    node: string,
    type: GuestKind,
    vmid: number,
    name: string,
    start = false,
  ): Promise<string> {
    return this.call(
      'POST',
      ['nodes', node, type, vmid, 'snapshot', name, 'rollback'],
      start ? { start: true } : {},
    );
  }

  async updateSnapshotDescription(
    node: string,
    type: GuestKind,
    vmid: number,
    name: string,
    description: string,
  ): Promise<void> {
    await this.call('PUT', ['nodes', node, type, vmid, 'snapshot', name, 'config'], { description });
  }

  // ---- clone, backup, restore ----

  clone(
    node: string,
    type: GuestKind,
    vmid: number,
    options: {
      newid: number;
      name?: string;
      snapname?: string;
      full?: boolean;
      target?: string;
      storage?: string;
      pool?: string;
    },
  ): Promise<string> {
    return this.call('POST', ['nodes', node, type, vmid, 'clone'], {
      newid: options.newid,
      // LXC calls the new guest's name `hostname`.
      ...(type === 'qemu' ? { name: options.name } : { hostname: options.name }),
      snapname: options.snapname,
      full: options.full,
      target: options.target,
      storage: options.storage,
      pool: options.pool,
    });
  }

  vzdump(
    node: string,
    options: {
      vmid: number;
      storage: string;
      mode?: 'snapshot' | 'suspend' | 'stop';
      compress?: '0' | 'gzip' | 'lzo' | 'zstd';
      notesTemplate?: string;
      protected?: boolean;
      bwlimit?: number;
    },
  ): Promise<string> {
    return this.call('POST', ['nodes', node, 'vzdump'], {
      vmid: options.vmid,
      storage: options.storage,
      mode: options.mode ?? 'snapshot',
      compress: options.compress ?? 'zstd',
      'notes-template': options.notesTemplate,
      protected: options.protected,
      bwlimit: options.bwlimit,
      // The service prunes backups itself; Proxmox's own pruning stays off.
      remove: false,
    });
  }

  storages(node: string, content?: string): Promise<ProxmoxStorage[]> {
    return this.call('GET', ['nodes', node, 'storage'], content ? { content } : {});
  }

  backups(node: string, storage: string, vmid?: number): Promise<BackupVolume[]> {
    return this.call('GET', ['nodes', node, 'storage', storage, 'content'], { content: 'backup', vmid });
  }

  /** A storage's disk images (`content=images`), where RAM state volumes are listed. */
  images(node: string, storage: string): Promise<Array<{ volid: string; size?: number }>> {
    return this.call('GET', ['nodes', node, 'storage', storage, 'content'], { content: 'images' });
  }

  /**
   * Deletes a volume. With `delay`, Proxmox waits up to that many seconds for its `imgdel` task:
   * finished, it answers null or fails with the task's own error (e.g. a protected archive).
   */
  deleteVolume(node: string, storage: string, volid: string, delay?: number): Promise<string | null> {
    return this.call('DELETE', ['nodes', node, 'storage', storage, 'content', volid], delay ? { delay } : {});
  }

  /** Sets a backup archive's notes and protection (`PUT .../content/{volume}`). */
  async updateVolume(
    node: string,
    storage: string,
    volid: string,
    attributes: { notes?: string; protected?: boolean },
  ): Promise<void> {
    await this.call('PUT', ['nodes', node, 'storage', storage, 'content', volid], attributes);
  }

  restore(
    node: string,
    type: GuestKind,
    options: {
      vmid: number;
      archive: string;
      storage?: string;
      force?: boolean;
      unique?: boolean;
      start?: boolean;
    },
  ): Promise<string> {
    return this.call('POST', ['nodes', node, type], {
      vmid: options.vmid,
      ...(type === 'qemu' ? { archive: options.archive } : { ostemplate: options.archive, restore: true }),
      storage: options.storage,
      force: options.force,
      unique: options.unique,
      start: options.start,
    });
  }

  /**
   * `GET /nodes/{node}/lxc/{vmid}/interfaces`: the container's interfaces as its network namespace
   * has them; Proxmox answers no data when the container has no init process.
   */
  async containerInterfaces(node: string, vmid: number): Promise<ContainerInterface[]> {
    return (
      (await this.call<ContainerInterface[] | null>('GET', ['nodes', node, 'lxc', vmid, 'interfaces'])) ?? []
    );
  }

  // ---- QEMU guest agent ----

  /** `POST .../agent/ping`: resolves when the agent answers (Proxmox: `{result: {}}`). */
  async agentPing(node: string, vmid: number): Promise<void> {
    await this.call('POST', ['nodes', node, 'qemu', vmid, 'agent', 'ping']);
  }

  /** `POST .../agent/exec`: starts a process in the guest (no shell) and answers its pid. */
  async agentExec(
    node: string,
    vmid: number,
    command: readonly string[],
    inputData?: string,
  ): Promise<number> {
    const started = await this.call<{ pid: number }>('POST', ['nodes', node, 'qemu', vmid, 'agent', 'exec'], {
      command,
      'input-data': inputData,
    });
    return Number(started.pid);
  }

  /** `GET .../agent/exec-status?pid=`: Proxmox sends booleans as 1/0 and the output decoded. */
  async agentExecStatus(node: string, vmid: number, pid: number): Promise<AgentExecStatus> {
    const raw = await this.call<Record<string, unknown>>(
      'GET',
      ['nodes', node, 'qemu', vmid, 'agent', 'exec-status'],
      { pid },
    );
    const flag = (value: unknown) => value === true || Number(value) === 1;
    const number = (value: unknown) => (value === undefined || value === null ? undefined : Number(value));
    const exitcode = number(raw.exitcode);
    const signal = number(raw.signal);
    return {
      exited: flag(raw.exited),
      ...(exitcode !== undefined ? { exitcode } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(typeof raw['out-data'] === 'string' ? { outData: raw['out-data'] } : {}),
      ...(typeof raw['err-data'] === 'string' ? { errData: raw['err-data'] } : {}),
      ...(raw['out-truncated'] !== undefined ? { outTruncated: flag(raw['out-truncated']) } : {}),
      ...(raw['err-truncated'] !== undefined ? { errTruncated: flag(raw['err-truncated']) } : {}),
    };
  }

  // ---- tasks ----

  taskStatus(upid: string): Promise<TaskStatus> {
    return this.call('GET', ['nodes', this.#taskNode(upid), 'tasks', upid, 'status']);
  }

  taskLog(upid: string, start = 0, limit = 50): Promise<Array<{ n: number; t: string }>> {
    return this.call('GET', ['nodes', this.#taskNode(upid), 'tasks', upid, 'log'], { start, limit });
  }

  /**
   * Polls a task until it stops, with growing intervals and an overall deadline. Resolves with
   * the final status when it succeeded (`OK` or `WARNINGS: n`); rejects with the mapped error
   * (locked, not found, already exists, or TaskFailed with Proxmox's text) when it failed.
   */
  async waitForTask(upid: string, options: WaitOptions = {}): Promise<TaskStatus> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    let interval = options.initialIntervalMs ?? 250;
    const sleep = this.#options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    for (;;) {
      const status = await this.taskStatus(upid);
      options.onProgress?.(status);
      if (status.status === 'stopped') {
        const failure = stoppedTaskFailure(upid, status.exitstatus);
        if (failure) throw failure;
        return status;
      }
      if (Date.now() + interval > deadline) {
        throw new ProxmoxUnreachableError(
          `task ${upid} is still running after the wait deadline`,
          'task wait timeout',
        );
      }
      await sleep(interval);
      interval = Math.min(interval * 1.5, options.maxIntervalMs ?? 5000);
    }
  }

  #taskNode(upid: string): string {
    const parsed = parseUpid(upid);
    if (!parsed)
      throw new ProxmoxServerError(`'${upid}' is not a Proxmox task id`, 'unable to parse worker upid');
    return parsed.node;
  }
}
