import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isLoopback, judgeAddress } from '#shared/domain/notifications/public-address.ts';

/** Which webhook targets are allowed: in AWS only public https; the local runtime also allows http on loopback. */
export interface WebhookAddressPolicy {
  /** Allow private, loopback and link-local addresses (the local runtime). Never in AWS (SSRF). */
  readonly allowPrivate: boolean;
}

export type Resolve = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const resolveAll: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Thrown for a webhook URL the service refuses to call; the message says why. */
export class WebhookAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookAddressError';
  }
}

/** Whether the address is on the public internet (see {@link judgeAddress} for what is not). */
export function isPublicAddress(address: string): boolean {
  return judgeAddress(address).public;
}

function isLoopbackAddress(address: string): boolean {
  return isLoopback(address);
}

/** Refuses an address the policy does not allow (called for every address a host resolves to). */
export function checkAddress(address: string, policy: WebhookAddressPolicy): void {
  if (policy.allowPrivate) return;
  const verdict = judgeAddress(address);
  if (!verdict.public)
    throw new WebhookAddressError(
      `the webhook address ${address} is not public: ${verdict.reason}; only public addresses are allowed`,
    );
}

/**
 * Checks a webhook URL: https (plain http only to loopback where private addresses are
 * allowed), no credentials in it, and every address its host resolves to allowed. Called when a
 * subscription is created and again before every delivery (DNS may have changed since).
 */
export async function checkWebhookUrl(
  raw: string,
  policy: WebhookAddressPolicy,
  resolve: Resolve = resolveAll,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookAddressError('the webhook URL is not a valid absolute URL');
  }
  if (url.username || url.password)
    throw new WebhookAddressError('the webhook URL must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await resolve(host).then(
        (found) => found.map((entry) => entry.address),
        () => {
          throw new WebhookAddressError(`the webhook host ${host} does not resolve`);
        },
      );
  if (addresses.length === 0) throw new WebhookAddressError(`the webhook host ${host} does not resolve`);
  if (url.protocol === 'http:') {
    if (!policy.allowPrivate || !addresses.every(isLoopbackAddress))
      throw new WebhookAddressError(
        'the webhook URL must use https (plain http only to loopback in the local runtime)',
      );
  } else if (url.protocol !== 'https:') {
    throw new WebhookAddressError('the webhook URL must use https');
  }
  for (const address of addresses) checkAddress(address, policy);
  return url;
}
