import { request } from 'undici';
import { RESPONSE_HEAD_BYTES } from '#shared/domain/hooks/hook-call.ts';
import type { HookCaller, HookRequest, HookResponse } from '#shared/ports/hook-caller.ts';
import { checkWebhookUrl, type Resolve, resolveAll, type WebhookAddressPolicy } from './webhook-address.ts';
import { guardedAgent } from './webhook-sender.ts';

/**
 * HTTPS hooks over undici, under the webhooks' address rules: the URL is checked before the
 * call and every address the connection resolves is checked again. The whole call (connect,
 * headers, body) ends at the hook's timeout; only the body's first bytes are read.
 */
export class UndiciHookCaller implements HookCaller {
  readonly #policy: WebhookAddressPolicy;
  readonly #resolve: Resolve;
  readonly #ca: readonly string[];
  readonly #agents = new Map<number, ReturnType<typeof guardedAgent>>();

  constructor(policy: WebhookAddressPolicy, options: { resolve?: Resolve; ca?: readonly string[] } = {}) {
    this.#policy = policy;
    this.#resolve = options.resolve ?? resolveAll;
    this.#ca = options.ca ?? [];
  }

  async call(hook: HookRequest): Promise<HookResponse> {
    const url = await checkWebhookUrl(hook.url, this.#policy, this.#resolve);
    const signal = AbortSignal.timeout(hook.timeoutMs);
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'pve-snapshots-hooks/1', ...hook.headers },
      body: hook.body,
      dispatcher: this.#agent(hook.timeoutMs),
      signal,
    });
    let head = Buffer.alloc(0);
    for await (const chunk of response.body) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= RESPONSE_HEAD_BYTES) break;
    }
    // Breaking out of the loop destroys the rest of the body; nothing more is read.
    return { status: response.statusCode, bodyHead: head.toString('utf8') };
  }

  /** One agent per connect timeout (hooks have a few distinct timeouts). */
  #agent(timeoutMs: number) {
    let agent = this.#agents.get(timeoutMs);
    if (!agent) {
      agent = guardedAgent(this.#policy, timeoutMs, this.#ca);
      this.#agents.set(timeoutMs, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
  }
}
