import WebSocket from 'ws';
import { type CommandClient, executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import { type CommandMessage, PAGE_CHARS, pagesOf } from '#shared/domain/agent/protocol.ts';
import { serializeError } from '#shared/domain/error-registry.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';
import { followTask } from './task-follower.ts';

export type AgentLog = (
  level: 'INFO' | 'WARN' | 'ERROR',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface AgentOptions {
  /** The service's WebSocket URL (`wss://…` in AWS, `ws://127.0.0.1:3000/agent` locally). */
  readonly serviceUrl: string;
  /** The agent key; sent only as the `Authorization` header of the connection. */
  readonly key: string;
  readonly client: CommandClient;
  readonly version: string;
  /** The commands this agent runs (announced after connecting). */
  readonly commands: readonly string[];
  readonly log: AgentLog;
  /** A ping this often keeps the connection inside API Gateway's 10-minute idle timeout. */
  readonly pingMs?: number;
  /** Reconnects after this long, before API Gateway's 2-hour connection limit. */
  readonly maxConnectionMs?: number;
  /** Backoff after a drop: first delay, doubling with jitter up to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How many answered command ids are remembered for replay. */
  readonly rememberAnswers?: number;
}

/**
 * The agent: keeps one outbound WebSocket to the service, runs the commands it receives with
 * the Proxmox client (the token stays here) and answers each by its id. A command id seen
 * before is answered from memory, never run again, so a command the service sends again after
 * a reconnect is not executed twice.
 */
export class ProxmoxAgent {
  readonly #options: AgentOptions;
  readonly #answers = new Map<string, Promise<string[]>>();
  #socket: WebSocket | undefined;
  #stopped = false;
  #attempt = 0;
  #timers: NodeJS.Timeout[] = [];
  #connected: (() => void) | undefined;
  /** Ends of followed tasks that found no open connection; sent on the next one. */
  #unsentReports: string[] = [];
  /** Stops the tasks being followed when the agent stops. */
  readonly #following = new AbortController();
  /** Ids of the followTask commands whose task has not ended yet. */
  readonly #followed = new Set<string>();

  constructor(options: AgentOptions) {
    this.#options = options;
  }

  /** Connects, and keeps reconnecting until {@link stop}; resolves once the first connection is open. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve) => {
      this.#connected = () => resolve();
    });
    this.#connect();
    return first;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#following.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    // Tasks still followed are handed back at once: the service polls them itself instead of
    // waiting for heartbeats that will not come.
    for (const id of this.#followed) {
      const error = { name: 'AgentStoppedError', message: 'the agent stopped before the task ended' };
      this.#send(socket, { type: 'taskEnded', id, error });
    }
    this.#followed.clear();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'agent stopping');
    });
  }

  /** Drops the connection without a goodbye (tests: a network failure). */
  drop(): void {
    this.#socket?.terminate();
  }

  #connect(): void {
    if (this.#stopped) return;
    const { log } = this.#options;
    const socket = new WebSocket(this.#options.serviceUrl, {
      headers: { authorization: `Bearer ${this.#options.key}` },
      maxPayload: 128 * 1024,
    });
    this.#socket = socket;
    const timers: NodeJS.Timeout[] = [];
    socket.on('open', () => {
      this.#attempt = 0;
      log('INFO', 'connected to the service', { url: this.#options.serviceUrl });
      this.#send(socket, { type: 'hello', version: this.#options.version, commands: this.#options.commands });
      for (const report of this.#unsentReports.splice(0)) this.#send(socket, report);
      timers.push(
        setInterval(() => this.#send(socket, { type: 'ping' }), this.#options.pingMs ?? 300_000),
        // A fresh connection before API Gateway ends this one at 2 hours.
        setTimeout(
          () => {
            log('INFO', 'renewing the connection before its time limit');
            socket.close(1000, 'renewing');
          },
          this.#options.maxConnectionMs ?? 110 * 60_000,
        ),
      );
      this.#timers.push(...timers);
      this.#connected?.();
      this.#connected = undefined;
    });
    socket.on('message', (data) => void this.#onMessage(socket, data.toString()));
    socket.on('unexpected-response', (_request, response) => {
      log('ERROR', 'the service refused the connection', { status: response.statusCode });
      socket.terminate();
    });
    socket.on('error', (error) => log('WARN', 'connection error', { error: error.message }));
    socket.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      this.#timers = this.#timers.filter((timer) => !timers.includes(timer));
      if (this.#stopped) return;
      const base = this.#options.backoffMs ?? 1000;
      const delay =
        Math.min(base * 2 ** this.#attempt, this.#options.maxBackoffMs ?? 60_000) * (0.5 + Math.random() / 2);
      this.#attempt++;
      log('INFO', 'disconnected; reconnecting', { code, inMs: Math.round(delay) });
      this.#timers.push(setTimeout(() => this.#connect(), code === 1000 && this.#attempt === 1 ? 0 : delay));
    });
  }

  async #onMessage(socket: WebSocket, text: string): Promise<void> {
    let message: CommandMessage;
    try {
      message = JSON.parse(text) as CommandMessage;
    } catch {
      return;
    }
    if (message.type !== 'command' || typeof message.id !== 'string') return;
    let answer = this.#answers.get(message.id);
    if (!answer) {
      answer = this.#run(message.id, message.command);
      this.#answers.set(message.id, answer);
      const limit = this.#options.rememberAnswers ?? 10_000;
      if (this.#answers.size > limit) this.#answers.delete(this.#answers.keys().next().value as string);
    } else {
      this.#options.log('INFO', 'command seen before; answering it again from memory', { id: message.id });
    }
    const messages = await answer;
    // The socket the command came on may be gone by now; the service sends the command again
    // on the next connection and gets this same answer.
    const current = this.#socket === socket ? socket : this.#socket;
    if (current) for (const part of messages) this.#send(current, part);
  }

  async #run(id: string, command: ConnectorCommand): Promise<string[]> {
    if (command.type === 'followTask') {
      this.#follow(id, command);
      return [JSON.stringify({ type: 'answer', id, result: { following: true } })];
    }
    const started = Date.now();
    try {
      const result = await executeCommand(this.#options.client, command);
      const text = JSON.stringify(result ?? null);
      this.#options.log('INFO', 'command done', { id, type: command.type, ms: Date.now() - started });
      if (text.length <= PAGE_CHARS) return [JSON.stringify({ type: 'answer', id, result: result ?? null })];
      const pages = pagesOf(text);
      return pages.map((chunk, page) =>
        JSON.stringify({ type: 'answer', id, page, pages: pages.length, chunk }),
      );
    } catch (error) {
      const serialized = serializeError(error);
      this.#options.log('WARN', 'command failed', { id, type: command.type, error: serialized.name });
      return [JSON.stringify({ type: 'answer', id, error: serialized })];
    }
  }

  /**
   * Follows a task to its end in the background and reports the end by the command's id (the
   * service holds the workflow's token); a repeated command id is answered from memory, so a task
   * is followed once however often its command comes.
   */
  #follow(id: string, command: Extract<ConnectorCommand, { type: 'followTask' }>): void {
    const { log } = this.#options;
    const started = Date.now();
    this.#followed.add(id);
    const report = (message: object) => {
      if (!this.#followed.delete(id)) return;
      const text = JSON.stringify(message);
      const socket = this.#socket;
      // The end must arrive: kept until a connection is open again.
      if (socket?.readyState === WebSocket.OPEN) socket.send(text);
      else this.#unsentReports.push(text);
    };
    followTask(this.#options.client, command, {
      heartbeat: () => this.#socket && this.#send(this.#socket, { type: 'taskHeartbeat', id }),
      signal: this.#following.signal,
    }).then(
      (result) => {
        log('INFO', 'followed task ended', { id, type: command.until.type, ms: Date.now() - started });
        report({ type: 'taskEnded', id, result });
      },
      (error: unknown) => {
        if (this.#stopped) return;
        const serialized = serializeError(error);
        log('WARN', 'could not follow a task to its end', { id, error: serialized.name });
        report({ type: 'taskEnded', id, error: serialized });
      },
    );
  }

  #send(socket: WebSocket, message: object | string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }
}
