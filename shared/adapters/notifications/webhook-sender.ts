import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { WebhookPost, WebhookSender } from '#shared/ports/webhook-sender.ts';
import {
  checkAddress,
  checkWebhookUrl,
  type Resolve,
  resolveAll,
  type WebhookAddressPolicy,
} from './webhook-address.ts';

/**
 * Webhooks over undici. The URL is checked before each post (DNS may have changed since the
 * subscription was made) and every address the connection itself resolves is checked again,
 * so a host that resolves to a private address between the two checks is still refused.
 */
export class UndiciWebhookSender implements WebhookSender {
  readonly #agent: Agent;
  readonly #policy: WebhookAddressPolicy;
  readonly #resolve: Resolve;
  readonly #timeoutMs: number;

  constructor(policy: WebhookAddressPolicy, options: { timeoutMs?: number; resolve?: Resolve } = {}) {
    this.#policy = policy;
    this.#resolve = options.resolve ?? resolveAll;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const guarded: LookupFunction = (hostname, lookupOptions, callback) => {
      dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 0);
        try {
          for (const entry of addresses) checkAddress(entry.address, policy);
        } catch (refused) {
          return callback(refused as NodeJS.ErrnoException, '', 0);
        }
        if (lookupOptions.all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        const first = addresses[0] as LookupAddress;
        return callback(null, first.address, first.family);
      });
    };
    this.#agent = new Agent({ connect: { lookup: guarded, timeout: this.#timeoutMs } });
  }

  async post(post: WebhookPost): Promise<{ status: number }> {
    const url = await checkWebhookUrl(post.url, this.#policy, this.#resolve);
    const response = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pve-snapshots-webhooks/1',
        ...post.headers,
      },
      body: post.body,
      dispatcher: this.#agent,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
    await response.body.dump();
    return { status: response.statusCode };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
