import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { generate } from 'selfsigned';
import type { GuestType } from './model.ts';
import { SimError } from './sim-error.ts';
import { type ProxmoxSimulator, TaskLogPage } from './simulator.ts';

export interface SimulatorCertificate {
  readonly key: string;
  readonly cert: string;
}

export interface SimulatorServerOptions {
  readonly simulator: ProxmoxSimulator;
  /** API tokens the server accepts: `user@realm!name` to secret. */
  readonly tokens: Record<string, string>;
  /** Privileges a token lacks (everything else is granted), e.g. `{ 'audit@pve!ro': ['VM.Snapshot'] }`. */
  readonly deniedPrivileges?: Record<string, readonly string[]>;
  /** Answer errors as servers before PVE 8.4 did: no `message` in the body, text only in the reason phrase. */
  readonly legacyErrors?: boolean;
  /** Proxmox delays every 401 by 3 s; tests shorten it. */
  readonly authFailureDelayMs?: number;
  readonly certificate?: SimulatorCertificate;
  readonly port?: number;
  readonly host?: string;
}

interface FailNextFault {
  readonly status: number;
  readonly message: string;
  readonly count?: number;
  readonly method?: string;
  /** Only requests whose API path contains this text. */
  readonly pathContains?: string;
}

export interface SimulatorServer {
  readonly url: string;
  readonly port: number;
  fingerprint(): string;
  certificate(): SimulatorCertificate;
  /** Replaces the server certificate with a newly generated one; returns its fingerprint. */
  rotateCertificate(): Promise<string>;
  failNext(fault: FailNextFault): void;
  setLatency(ms: number): void;
  /** Requests for the node answer like pveproxy does when it cannot reach it (595 or 596). */
  setNodeUnreachable(node: string, status: 595 | 596 | undefined): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Generates a self-signed certificate like the one a fresh Proxmox node has. */
export async function generateCertificate(): Promise<SimulatorCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'pve-simulator' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** SHA-256 fingerprint as Proxmox shows it: `AA:BB:...`. */
function certificateFingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

const PRIVILEGES = [
  'VM.Audit',
  'VM.Snapshot',
  'VM.Snapshot.Rollback',
  'VM.Clone',
  'VM.Allocate',
  'VM.Backup',
  'VM.PowerMgmt',
  'VM.Config.Options',
  'VM.GuestAgent.Audit',
  'VM.GuestAgent.Unrestricted',
  'Datastore.Audit',
  'Datastore.AllocateSpace',
  'Datastore.Allocate',
  'Sys.Audit',
];

type Params = Record<string, string>;
interface Context {
  readonly user: string;
  readonly params: Params;
  /** Every value of each parameter: an array parameter (the agent's `command`) repeats its key. */
  readonly lists: Record<string, string[]>;
  check(path: string, ...anyOf: string[]): void;
}
type Handler = (match: string[], context: Context) => unknown;

async function readParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Params; lists: Record<string, string[]> }> {
  const params: Params = {};
  const lists: Record<string, string[]> = {};
  if (req.method === 'POST' || req.method === 'PUT') {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (body) {
      if ((req.headers['content-type'] ?? '').includes('application/json')) {
        for (const [key, value] of Object.entries(JSON.parse(body) as Record<string, unknown>)) {
          if (Array.isArray(value)) lists[key] = value.map(String);
          params[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
        }
      } else {
        for (const [key, value] of new URLSearchParams(body)) {
          params[key] = value;
          lists[key] = [...(lists[key] ?? []), value];
        }
      }
    }
  }
  // Query parameters are merged in and win, as in pve-http-server's extract_params.
  for (const [key, value] of url.searchParams) {
    params[key] = value;
    lists[key] = [value];
  }
  return { params, lists };
}

const TOKEN_HEADER = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/;

/**
 * Serves the simulator over HTTPS the way pveproxy does: `/api2/json` paths, `{"data": ...}`
 * envelopes, error texts in the reason phrase (and in `message` from PVE 8.4 on), 401 with an
 * empty body after a delay, 501 for unknown paths, 595/596 for unreachable nodes. A control API
 * under `/_simulator/` injects faults.
 */
export async function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
  const sim = options.simulator;
  let certificate = options.certificate ?? (await generateCertificate());
  let latencyMs = 0;
  const failNext: Array<FailNextFault & { remaining: number }> = [];
  const unreachable = new Map<string, 595 | 596>();

  const guestRoutes = (prefix: string): Array<[string, RegExp, Handler]> => {
    const g = (m: string[]) => [m[1] as string, m[2] as GuestType, Number(m[3])] as const;
    return [
      [
        'GET',
        new RegExp(`^${prefix}/status/current$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Audit');
          return sim.guestStatus(...g(m));
        },
      ],
      [
        'GET',
        new RegExp(`^${prefix}/config$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Audit');
          return sim.guestConfig(...g(m));
        },
      ],
      [
        'PUT',
        new RegExp(`^${prefix}/config$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Config.Options');
          return sim.updateConfig(...g(m), c.params);
        },
      ],
      [
        'POST',
        new RegExp(`^${prefix}/status/(start|stop)$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.PowerMgmt');
          return sim.setPower(c.user, ...g(m), m[4] as 'start' | 'stop');
        },
      ],
      [
        'GET',
        new RegExp(`^${prefix}/snapshot$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Audit');
          return sim.listSnapshots(...g(m));
        },
      ],
      [
        'POST',
        new RegExp(`^${prefix}/snapshot$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Snapshot');
          return sim.createSnapshot(c.user, ...g(m), c.params);
        },
      ],
      ['GET', new RegExp(`^${prefix}/snapshot/([^/]+)$`), () => [{ cmd: 'rollback' }, { cmd: 'config' }]],
      [
        'GET',
        new RegExp(`^${prefix}/snapshot/([^/]+)/config$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Snapshot', 'VM.Snapshot.Rollback', 'VM.Audit');
          return sim.snapshotConfig(...g(m), m[4] as string);
        },
      ],
      [
        'PUT',
        new RegExp(`^${prefix}/snapshot/([^/]+)/config$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Snapshot');
          return sim.updateSnapshotDescription(...g(m), m[4] as string, c.params.description);
        },
      ],
      [
        'POST',
        new RegExp(`^${prefix}/snapshot/([^/]+)/rollback$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Snapshot', 'VM.Snapshot.Rollback');
          return sim.rollbackSnapshot(c.user, ...g(m), m[4] as string, c.params.start === '1');
        },
      ],
      [
        'DELETE',
        new RegExp(`^${prefix}/snapshot/([^/]+)$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Snapshot');
          return sim.deleteSnapshot(c.user, ...g(m), m[4] as string, c.params.force === '1');
        },
      ],
      [
        'DELETE',
        new RegExp(`^${prefix}$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Allocate');
          return sim.destroyGuest(c.user, ...g(m));
        },
      ],
      [
        'POST',
        new RegExp(`^${prefix}/clone$`),
        (m, c) => {
          c.check(`/vms/${m[3]}`, 'VM.Clone');
          return sim.clone(c.user, ...g(m), c.params);
        },
      ],
    ];
  };

  // qemu-server API2/Qemu/Agent.pm: QEMU only; exec and exec-status need VM.GuestAgent.Unrestricted.
  const agentRoutes = (): Array<[string, RegExp, Handler]> => {
    const prefix = '/nodes/([^/]+)/qemu/(\\d+)/agent';
    return [
      [
        'POST',
        new RegExp(`^${prefix}/ping$`),
        (m, c) => {
          c.check(`/vms/${m[2]}`, 'VM.GuestAgent.Audit', 'VM.GuestAgent.Unrestricted');
          return sim.agentPing(m[1] as string, Number(m[2]));
        },
      ],
      [
        'POST',
        new RegExp(`^${prefix}/exec$`),
        (m, c) => {
          c.check(`/vms/${m[2]}`, 'VM.GuestAgent.Unrestricted');
          return sim.agentExec(m[1] as string, Number(m[2]), c.lists.command ?? [], c.params['input-data']);
        },
      ],
      [
        'GET',
        new RegExp(`^${prefix}/exec-status$`),
        (m, c) => {
          c.check(`/vms/${m[2]}`, 'VM.GuestAgent.Unrestricted');
          if (c.params.pid === undefined)
            throw SimError.params({ pid: 'property is missing and it is not optional' });
          return sim.agentExecStatus(m[1] as string, Number(m[2]), Number(c.params.pid));
        },
      ],
    ];
  };

  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/version$/, () => sim.version()],
    ['GET', /^\/nodes$/, () => sim.nodes()],
    ['GET', /^\/cluster\/resources$/, (_m, c) => sim.clusterResources(c.params.type)],
    ['GET', /^\/cluster\/nextid$/, (_m, c) => sim.nextId(c.params.vmid)],
    ['GET', /^\/access\/permissions$/, (_m, c) => permissionsOf(c.user)],
    ...guestRoutes('/nodes/([^/]+)/(qemu|lxc)/(\\d+)'),
    ...agentRoutes(),
    [
      'GET',
      /^\/nodes\/([^/]+)\/lxc\/(\d+)\/interfaces$/,
      (m, c) => {
        // pve-container API2/LXC.pm (`ip`): VM.Audit on the guest.
        c.check(`/vms/${m[2]}`, 'VM.Audit');
        return sim.containerInterfaces(m[1] as string, Number(m[2]));
      },
    ],
    [
      'POST',
      /^\/nodes\/([^/]+)\/(qemu|lxc)$/,
      (m, c) => {
        c.check(`/vms/${c.params.vmid}`, 'VM.Allocate');
        return sim.restore(c.user, m[1] as string, m[2] as GuestType, c.params);
      },
    ],
    [
      'GET',
      /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/status$/,
      (m) => sim.taskStatus(m[1] as string, m[2] as string),
    ],
    [
      'GET',
      /^\/nodes\/([^/]+)\/tasks\/([^/]+)\/log$/,
      (m, c) =>
        sim.taskLog(
          m[1] as string,
          m[2] as string,
          Number(c.params.start ?? 0),
          Number(c.params.limit ?? 50),
        ),
    ],
    [
      'POST',
      /^\/nodes\/([^/]+)\/vzdump$/,
      (m, c) => {
        c.check(`/vms/${c.params.vmid}`, 'VM.Backup');
        return sim.vzdump(c.user, m[1] as string, c.params);
      },
    ],
    ['GET', /^\/nodes\/([^/]+)\/storage$/, (m, c) => sim.storages(m[1] as string, c.params.content)],
    [
      'GET',
      /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content$/,
      (m, c) => {
        c.check(`/storage/${m[2]}`, 'Datastore.Audit', 'Datastore.AllocateSpace');
        return sim.storageContent(
          m[1] as string,
          m[2] as string,
          c.params.content,
          c.params.vmid ? Number(c.params.vmid) : undefined,
        );
      },
    ],
    [
      'DELETE',
      /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content\/(.+)$/,
      (m, c) => {
        c.check(`/storage/${m[2]}`, 'Datastore.AllocateSpace');
        const upid = sim.deleteVolume(c.user, m[1] as string, m[2] as string, m[3] as string);
        const delay = Number(c.params.delay ?? 0);
        return delay > 0 ? sim.awaitTask(m[1] as string, upid, delay * 1000) : upid;
      },
    ],
    [
      'PUT',
      /^\/nodes\/([^/]+)\/storage\/([^/]+)\/content\/(.+)$/,
      (m, c) => {
        c.check(`/storage/${m[2]}`, 'Datastore.AllocateSpace');
        sim.updateVolume(m[1] as string, m[2] as string, m[3] as string, c.params);
        return null;
      },
    ],
  ];

  function permissionsOf(user: string) {
    const denied = new Set(options.deniedPrivileges?.[user] ?? []);
    const granted = Object.fromEntries(PRIVILEGES.filter((p) => !denied.has(p)).map((p) => [p, 1]));
    return { '/': granted, '/vms': granted, '/storage': granted };
  }

  const send = (res: ServerResponse, status: number, reason: string, body?: unknown) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, reason, {
      'content-type': 'application/json;charset=UTF-8',
      server: 'pve-api-daemon/3.0',
      'content-length': Buffer.byteLength(payload),
      ...(status >= 400 ? { connection: 'close' } : {}),
      ...(payload === '' ? {} : {}),
    });
    res.end(payload);
  };
  const sendError = (res: ServerResponse, error: SimError) => {
    // The reason phrase is the message's first line (pve-http-server AnyEvent.pm `response`).
    // pveproxy writes the UTF-8 bytes of the text (glib's agent errors quote with “”); Node takes
    // a reason phrase as latin1, so the bytes are passed through one character each.
    const reason = Buffer.from(error.message.split('\n')[0] ?? '', 'utf8').toString('latin1');
    send(res, error.status, reason, {
      data: null,
      ...(error.errors ? { errors: error.errors } : {}),
      ...(options.legacyErrors ? {} : { message: error.message }),
    });
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
    const ok = (data: unknown = null) => send(res, 200, 'OK', { data });
    switch (`${req.method} ${path}`) {
      case 'GET /_simulator/state':
        return ok(sim.state);
      case 'POST /_simulator/fail-next':
        api.failNext(input as unknown as FailNextFault);
        return ok();
      case 'POST /_simulator/latency':
        api.setLatency(Number(input.ms ?? 0));
        return ok();
      case 'POST /_simulator/fail-tasks':
        sim.failTasks(input as { message: string });
        return ok();
      case 'POST /_simulator/hold-lock':
        sim.holdLock(Number(input.vmid), String(input.lock ?? 'backup'));
        return ok();
      case 'POST /_simulator/storage':
        sim.setStorage(input as { storage: string; active?: boolean; total?: number; used?: number });
        return ok();
      case 'POST /_simulator/no-boot':
        sim.setNoBoot(Number(input.vmid), input.noBoot !== false);
        return ok();
      case 'POST /_simulator/guest-agent':
        sim.setGuestAgent(Number(input.vmid), input.agent as 'running' | 'unresponsive' | 'missing');
        return ok();
      case 'POST /_simulator/release-lock':
        sim.releaseLock(Number(input.vmid));
        return ok();
      case 'POST /_simulator/node-unreachable':
        api.setNodeUnreachable(
          String(input.node),
          input.status === undefined ? undefined : (Number(input.status) as 595 | 596),
        );
        return ok();
      case 'POST /_simulator/rotate-certificate':
        return ok({ fingerprint: await api.rotateCertificate() });
      case 'POST /_simulator/clear-faults':
        api.clearFaults();
        return ok();
      default:
        return send(res, 404, 'Not Found', { data: null, message: `unknown control ${req.method} ${path}` });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://simulator');
    if (url.pathname.startsWith('/_simulator/')) return control(req, res, url.pathname);
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (!url.pathname.startsWith('/api2/json/')) {
      return send(res, 501, 'no such uri', undefined);
    }
    const path = url.pathname.slice('/api2/json'.length);
    const method = req.method ?? 'GET';

    const header = req.headers.authorization ?? '';
    const tokenMatch = TOKEN_HEADER.exec(header);
    let user: string | undefined;
    if (tokenMatch?.[1]) {
      const value = decodeURIComponent(tokenMatch[1]);
      const split = value.lastIndexOf('=');
      const tokenId = value.slice(0, split);
      if (
        split > 0 &&
        options.tokens[tokenId] !== undefined &&
        options.tokens[tokenId] === value.slice(split + 1)
      )
        user = tokenId;
    }
    if (!user) {
      await new Promise((resolve) => setTimeout(resolve, options.authFailureDelayMs ?? 3000));
      res.writeHead(401, tokenMatch ? 'Authentication failed!' : 'No ticket', {
        connection: 'close',
        'content-length': 0,
      });
      return res.end();
    }

    const fault = failNext.find(
      (f) =>
        f.remaining > 0 &&
        (f.method === undefined || f.method === method) &&
        (f.pathContains === undefined || path.includes(f.pathContains)),
    );
    if (fault) {
      fault.remaining--;
      return sendError(res, new SimError(fault.status, fault.message));
    }
    const nodeMatch = /^\/nodes\/([^/]+)\//.exec(path);
    const unreachableStatus = nodeMatch ? unreachable.get(nodeMatch[1] as string) : undefined;
    if (unreachableStatus) {
      const reason = unreachableStatus === 595 ? 'No route to host' : 'Connection reset by peer';
      return send(res, unreachableStatus, reason, undefined);
    }

    const { params, lists } = await readParams(req, url);
    const denied = new Set(options.deniedPrivileges?.[user] ?? []);
    const context: Context = {
      user,
      params,
      lists,
      check: (aclPath, ...anyOf) => {
        if (anyOf.every((privilege) => denied.has(privilege)))
          throw SimError.permission(aclPath, anyOf.join('|'));
      },
    };
    const decodedPath = path
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
    for (const [routeMethod, pattern, handler] of routes) {
      if (routeMethod !== method) continue;
      const match = pattern.exec(decodedPath);
      if (!match) continue;
      try {
        const data = (await handler([...match] as string[], context)) ?? null;
        // A task log is a page: Proxmox puts the line count beside `data` in the envelope.
        if (data instanceof TaskLogPage) return send(res, 200, 'OK', { data: data.lines, total: data.total });
        return send(res, 200, 'OK', { data });
      } catch (error) {
        if (error instanceof SimError) return sendError(res, error);
        return sendError(res, SimError.die((error as Error).message));
      }
    }
    return sendError(res, new SimError(501, `Method '${method} ${path}' not implemented`));
  };

  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, SimError.die((error as Error).message));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  const api: SimulatorServer = {
    url: `https://127.0.0.1:${port}`,
    port,
    fingerprint: () => certificateFingerprint(certificate.cert),
    certificate: () => certificate,
    rotateCertificate: async () => {
      certificate = await generateCertificate();
      server.setSecureContext({ key: certificate.key, cert: certificate.cert });
      return certificateFingerprint(certificate.cert);
    },
    failNext: (fault) => failNext.push({ ...fault, remaining: fault.count ?? 1 }),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setNodeUnreachable: (node, status) => {
      if (status === undefined) unreachable.delete(node);
      else unreachable.set(node, status);
    },
    clearFaults: () => {
      failNext.length = 0;
      latencyMs = 0;
      unreachable.clear();
      sim.clearFaults();
    },
    close: async () => {
      sim.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
