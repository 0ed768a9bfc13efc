import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

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

// Everything that is not the public internet: private, shared, loopback, link-local (cloud
// metadata at 169.254.169.254 and fd00:ec2::254 included), multicast, reserved.
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it is. */
function normalize(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function isPublicAddress(address: string): boolean {
  const { address: ip, family } = normalize(address);
  return !NOT_PUBLIC.check(ip, family);
}

function isLoopbackAddress(address: string): boolean {
  const { address: ip, family } = normalize(address);
  return LOOPBACK.check(ip, family);
}

/** Refuses an address the policy does not allow (called for every address a host resolves to). */
export function checkAddress(address: string, policy: WebhookAddressPolicy): void {
  if (!policy.allowPrivate && !isPublicAddress(address))
    throw new WebhookAddressError(
      `the webhook address ${address} is private, loopback, link-local or reserved; only public addresses are allowed`,
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
