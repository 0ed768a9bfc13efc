import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
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
 * An undici agent whose connections refuse every address the policy does not allow, checked on
 * the addresses the connection itself resolves (so DNS rebinding after the URL check is refused
 * too). `ca` adds certificates to trust (the local runtime's own receivers in tests).
 */
export function guardedAgent(policy: WebhookAddressPolicy, timeoutMs: number, ca?: readonly string[]): Agent {
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
  return new Agent({
    connect: {
      lookup: guarded,
      timeout: timeoutMs,
      ...(ca && ca.length > 0 ? { ca: [...rootCertificates, ...ca] } : {}),
    },
  });
}

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
    this.#agent = guardedAgent(policy, this.#timeoutMs);
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
