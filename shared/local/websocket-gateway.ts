import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { AgentConnections } from '#shared/ports/agent-connections.ts';
import type { AgentIdentity } from '#shared/services/agents/agent-gateway.ts';
import { API_GATEWAY_LIMITS, type WebSocketLimits } from './websocket-limits.ts';

/** The routes of the WebSocket API, as API Gateway calls them (the same code in both). */
export interface WebSocketRoutes {
  /** The `$connect` REQUEST authorizer: the identity the presented key is bound to, or none. */
  authorize(authorization: string | undefined): Promise<AgentIdentity | undefined>;
  connect(identity: AgentIdentity, connectionId: string): Promise<void>;
  disconnect(identity: AgentIdentity, connectionId: string): Promise<void>;
  message(identity: AgentIdentity, connectionId: string, body: string): Promise<void>;
}

/** API Gateway's limit for one WebSocket message. */
const MAX_FRAME_BYTES = 128 * 1024;

/** 1001 "going away": how API Gateway ends a connection at its idle or duration limit. */
const GOING_AWAY = 1001;

/** Where agents connect on the local runtime's HTTP server. */
export const LOCAL_AGENT_PATH = '/agent';

/**
 * Plays API Gateway's WebSocket API locally: the upgrade is authorized like `$connect`'s
 * authorizer (no key, a wrong or revoked key: 401, nothing opens), each connection gets an id,
 * and `$connect`, `$default` and `$disconnect` call the same route code the Lambda functions run.
 * It is also the runtime's {@link AgentConnections} (PostToConnection, DeleteConnection). It
 * ends connections at API Gateway's idle and duration limits, so an agent that forgets to ping
 * or to reconnect fails here as it would in AWS.
 */
export class LocalWebSocketGateway implements AgentConnections {
  readonly #limits: WebSocketLimits;
  readonly #sockets = new Map<string, WebSocket>();
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  #routes: WebSocketRoutes | undefined;
  #log: (message: string, fields: Record<string, unknown>) => void = () => {};

  #http: Server | undefined;

  constructor(limits: WebSocketLimits = API_GATEWAY_LIMITS) {
    this.#limits = limits;
  }

  /**
   * Listens for agents on its own port, as API Gateway's WebSocket API has its own endpoint
   * (and so agents can connect before the HTTP API answers). Resolves with the port.
   */
  async listen(
    port: number,
    host: string,
    routes: WebSocketRoutes,
    log: (message: string, fields: Record<string, unknown>) => void,
  ): Promise<number> {
    this.#routes = routes;
    this.#log = log;
    const server = createServer((_request, response) => response.writeHead(426).end());
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#upgrade(request, socket, head);
    });
    this.#http = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const routes = this.#routes;
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    if (!routes || path !== LOCAL_AGENT_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const identity = await routes.authorize(request.headers.authorization).catch(() => undefined);
    if (!identity) {
      this.#log('gateway refused an agent connection', { reason: 'key missing, unknown or revoked' });
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.#server.handleUpgrade(request, socket, head, (ws) => {
      const connectionId = randomBytes(9).toString('base64url');
      this.#sockets.set(connectionId, ws);
      // Messages wait for $connect, as API Gateway routes nothing before it succeeded.
      const connected = routes.connect(identity, connectionId);
      // API Gateway invokes the route once per message, concurrently, not one after another:
      // an agent answering many commands at once is not held up behind its slowest answer.
      const inFlight = new Set<Promise<void>>();
      const limit = (reason: string) => () => {
        this.#log('gateway closed an agent connection', { connectionId, reason });
        ws.close(GOING_AWAY, reason);
      };
      const lifetime = setTimeout(limit('connection duration limit'), this.#limits.maxConnectionMs);
      const idle = setTimeout(limit('idle timeout'), this.#limits.idleMs);
      ws.on('message', (data) => {
        idle.refresh();
        const body = data.toString();
        const handled = connected
          .then(() => routes.message(identity, connectionId, body))
          .catch((error: unknown) => this.#log('agent message failed', { error: (error as Error).message }))
          .finally(() => inFlight.delete(handled));
        inFlight.add(handled);
      });
      ws.on('close', () => {
        clearTimeout(lifetime);
        clearTimeout(idle);
        this.#sockets.delete(connectionId);
        void Promise.allSettled([connected, ...inFlight])
          .then(() => routes.disconnect(identity, connectionId))
          .catch((error: unknown) =>
            this.#log('agent disconnect failed', { error: (error as Error).message }),
          );
      });
      ws.on('error', () => ws.terminate());
      connected.catch(() => ws.terminate());
    });
  }

  async send(connectionId: string, message: object): Promise<boolean> {
    const ws = this.#sockets.get(connectionId);
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    // Taken once queued on an open connection, as PostToConnection answers once API Gateway has the
    // message, not once the agent read it: waiting for the flush cost a turn of the event loop per
    // command. A write that fails later closes the connection; a waiting command then goes again
    // on the agent's next one.
    ws.send(JSON.stringify(message));
    return true;
  }

  async close(connectionId: string): Promise<void> {
    const ws = this.#sockets.get(connectionId);
    // 1008: policy violation (a revoked key, a replaced connection).
    if (ws) ws.close(1008, 'closed by the service');
  }

  /** Closes every connection (the runtime stops). */
  async stop(): Promise<void> {
    for (const ws of this.#sockets.values()) ws.terminate();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const http = this.#http;
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
  }
}
