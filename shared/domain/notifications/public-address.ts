import { isIP } from 'node:net';

/**
 * Whether an IP address is on the public internet, for webhook targets (SSRF). IPv6 forms that
 * carry an IPv4 address (IPv4-mapped, IPv4-compatible, SIIT, NAT64, 6to4, Teredo) are judged by
 * the IPv4 address they carry, because that is where the packets end up.
 */
export type AddressVerdict =
  | { readonly public: true }
  | { readonly public: false; readonly reason: string; readonly embeddedIPv4?: string };

type Prefix = readonly [network: string, length: number, what: string];

// IANA's special-purpose registry, every entry not globally reachable (and 192.88.99.0/24, the
// deprecated 6to4 relay anycast): private, shared (CGNAT), loopback, link-local (cloud metadata
// at 169.254.169.254), documentation, benchmarking, multicast, reserved and broadcast.
const IPV4_NOT_PUBLIC: readonly Prefix[] = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

// Inside 2000::/3 (the only space IANA allocates for global unicast), the blocks that are not
// public. Everything outside 2000::/3 (loopback, unique-local fc00::/7 with AWS's metadata at
// fd00:ec2::254, link-local, multicast, discard-only 100::/64, local-use NAT64 64:ff9b:1::/48)
// is refused as a whole; the well-known NAT64 prefix and the IPv4 forms are looked at first.
const IPV6_NOT_PUBLIC_IN_GLOBAL: readonly Prefix[] = [
  ['2001::', 23, 'IETF protocol assignments'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
];

/** 32-bit value of a dotted IPv4 address. */
function ipv4Value(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

const ipv4Text = (value: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** The eight 16-bit groups of an IPv6 address (zone index dropped, a dotted tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const value = ipv4Value(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${Math.floor(value / 65536).toString(16)}:${(value % 65536).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function inIPv4Prefix(value: number, [network, length]: Prefix): boolean {
  const size = 2 ** (32 - length);
  return Math.floor(value / size) === Math.floor(ipv4Value(network) / size);
}

function inIPv6Prefix(groups: readonly number[], [network, length]: Prefix): boolean {
  const base = ipv6Groups(network);
  for (let bit = 0; bit < length; bit += 16) {
    const bits = Math.min(16, length - bit);
    const shift = 16 - bits;
    const index = bit / 16;
    if ((groups[index] ?? 0) >> shift !== (base[index] ?? 0) >> shift) return false;
  }
  return true;
}

function judgeIPv4(address: string): AddressVerdict {
  const value = ipv4Value(address);
  const block = IPV4_NOT_PUBLIC.find((prefix) => inIPv4Prefix(value, prefix));
  return block ? { public: false, reason: `${block[2]} (${block[0]}/${block[1]})` } : { public: true };
}

const low32 = (groups: readonly number[]) => (groups[6] ?? 0) * 65536 + (groups[7] ?? 0);

/** The IPv4 address an IPv6 address carries, where it has one by its form, and the form's name. */
function embeddedIPv4(groups: readonly number[]): { ipv4: string; form: string } | undefined {
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  // ::ffff:a.b.c.d (RFC 4291), ::ffff:0:a.b.c.d (SIIT, RFC 2765), ::a.b.c.d (RFC 4291, deprecated).
  if (zeros(0, 5) && groups[5] === 0xffff) return { ipv4: ipv4Text(low32(groups)), form: 'IPv4-mapped' };
  if (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0)
    return { ipv4: ipv4Text(low32(groups)), form: 'IPv4-translated' };
  if (zeros(0, 6)) return { ipv4: ipv4Text(low32(groups)), form: 'IPv4-compatible' };
  if (inIPv6Prefix(groups, ['64:ff9b::', 96, '']))
    return { ipv4: ipv4Text(low32(groups)), form: 'NAT64 (64:ff9b::/96)' };
  return undefined;
}

/**
 * Public or not, and why not. IPv4-mapped, -translated and NAT64 (well-known prefix) addresses
 * are judged by the IPv4 address they carry: a NAT64 gateway forwards to that address, and a
 * public one is a legitimate target from an IPv6-only network. IPv4-compatible addresses
 * (`::a.b.c.d`, deprecated) are never public. 6to4 (`2002::/16`) and Teredo (`2001::/32`) are
 * refused whatever they carry: both are deprecated tunnels (RFC 7526, RFC 4380) whose packets go
 * through relays we do not choose and are unwrapped towards the carried IPv4 address (Teredo's
 * client address even XOR-ed), so no webhook receiver needs them and every check would have to
 * decode them right; a receiver on such a host is reachable at the public IPv4 address itself.
 */
export function judgeAddress(address: string): AddressVerdict {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return judgeIPv4(address);
  if (family !== 6) return { public: false, reason: 'not an IP address' };
  const groups = ipv6Groups(address);
  if (groups.slice(0, 7).every((group) => group === 0) && (groups[7] ?? 0) <= 1)
    return { public: false, reason: groups[7] === 1 ? 'loopback (::1)' : 'unspecified (::)' };
  const carried = embeddedIPv4(groups);
  if (carried) {
    if (carried.form === 'IPv4-compatible')
      return {
        public: false,
        reason: 'IPv4-compatible (::/96, deprecated and never routed)',
        embeddedIPv4: carried.ipv4,
      };
    const verdict = judgeIPv4(carried.ipv4);
    return verdict.public
      ? verdict
      : {
          public: false,
          reason: `${carried.form} form of ${carried.ipv4}, which is ${verdict.reason}`,
          embeddedIPv4: carried.ipv4,
        };
  }
  if (inIPv6Prefix(groups, ['2002::', 16, '']))
    return {
      public: false,
      reason: `6to4 (2002::/16, a deprecated tunnel to ${ipv4Text((groups[1] ?? 0) * 65536 + (groups[2] ?? 0))})`,
      embeddedIPv4: ipv4Text((groups[1] ?? 0) * 65536 + (groups[2] ?? 0)),
    };
  if (inIPv6Prefix(groups, ['2001::', 32, ''])) {
    const client = ipv4Text((0xffffffff - low32(groups)) >>> 0);
    return {
      public: false,
      reason: `Teredo (2001::/32, a deprecated tunnel to client ${client})`,
      embeddedIPv4: client,
    };
  }
  if (!inIPv6Prefix(groups, ['2000::', 3, '']))
    return { public: false, reason: 'not global unicast (outside 2000::/3)' };
  const block = IPV6_NOT_PUBLIC_IN_GLOBAL.find((prefix) => inIPv6Prefix(groups, prefix));
  return block ? { public: false, reason: `${block[2]} (${block[0]}/${block[1]})` } : { public: true };
}

/** Whether the address is loopback (127.0.0.0/8, ::1, or an IPv6 form carrying a loopback IPv4). */
export function isLoopback(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return inIPv4Prefix(ipv4Value(address), ['127.0.0.0', 8, '']);
  if (family !== 6) return false;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 7).every((group) => group === 0) && groups[7] === 1) return true;
  const carried = embeddedIPv4(groups);
  return (
    carried !== undefined &&
    carried.form === 'IPv4-mapped' &&
    inIPv4Prefix(ipv4Value(carried.ipv4), ['127.0.0.0', 8, ''])
  );
}
