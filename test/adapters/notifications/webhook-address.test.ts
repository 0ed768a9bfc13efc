import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAddress,
  checkWebhookUrl,
  isPublicAddress,
  type Resolve,
  WebhookAddressError,
} from '#shared/adapters/notifications/webhook-address.ts';
import { UndiciWebhookSender } from '#shared/adapters/notifications/webhook-sender.ts';

const aws = { allowPrivate: false };
const local = { allowPrivate: true };
const resolvesTo =
  (...addresses: string[]): Resolve =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('webhook addresses (SSRF)', () => {
  it('tells public from private, loopback, link-local, metadata and reserved addresses', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '10.0.0.5',
      '172.16.3.4',
      '192.168.1.10',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00:ec2::254',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });

  // Each IPv6 form that carries an IPv4 address, written the ways a resolver or a URL may spell it.
  const hex = (ipv4: string) => {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
    return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)] as const;
  };
  const teredoClient = (ipv4: string) =>
    hex(ipv4).map((group) => (0xffff ^ Number.parseInt(group, 16)).toString(16));
  const forms: ReadonlyArray<readonly [string, (ipv4: string) => string]> = [
    ['IPv4-mapped, dotted', (ip) => `::ffff:${ip}`],
    ['IPv4-mapped, hex', (ip) => `::ffff:${hex(ip).join(':')}`],
    ['IPv4-mapped, spelled out', (ip) => `0:0:0:0:0:ffff:${ip}`],
    ['IPv4-translated (SIIT)', (ip) => `::ffff:0:${ip}`],
    ['IPv4-compatible', (ip) => `::${ip}`],
    ['IPv4-compatible, hex', (ip) => `::${hex(ip).join(':')}`],
    ['NAT64 well-known prefix', (ip) => `64:ff9b::${ip}`],
    ['local-use NAT64 /48', (ip) => `64:ff9b:1:${hex(ip).join(':')}::`],
    ['local-use NAT64 /96', (ip) => `64:ff9b:1::${ip}`],
    ['6to4', (ip) => `2002:${hex(ip).join(':')}::1`],
    ['Teredo server', (ip) => `2001:0:${hex(ip).join(':')}:8000:63bf:3fff:fdd2`],
    ['Teredo client (XOR-ed)', (ip) => `2001:0:4136:e378:8000:63bf:${teredoClient(ip).join(':')}`],
  ];

  it('refuses every IPv6 form of a private IPv4 address, naming it', () => {
    for (const [form, write] of forms)
      for (const ipv4 of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '192.168.1.10', '100.64.0.1']) {
        const address = write(ipv4);
        expect(isPublicAddress(address), `${form}: ${address}`).toBe(false);
        expect(() => checkAddress(address, aws), `${form}: ${address}`).toThrow(WebhookAddressError);
      }
    expect(() => checkAddress('::ffff:a9fe:a9fe', aws)).toThrow(/169\.254\.169\.254/);
    expect(() => checkAddress('2002:a00:1::1', aws)).toThrow(/6to4.*10\.0\.0\.1/);
    expect(() => checkAddress('2001:0:4136:e378:8000:63bf:f5ff:fffe', aws)).toThrow(/Teredo.*10\.0\.0\.1/);
  });

  it('judges NAT64 and IPv4-mapped forms of public addresses as public, and refuses 6to4, Teredo and ::/96 whatever they carry', () => {
    for (const address of ['64:ff9b::8.8.8.8', '64:ff9b::808:808', '::ffff:1.1.1.1', '::ffff:0:8.8.8.8'])
      expect(isPublicAddress(address), address).toBe(true);
    // Deprecated tunnels and forms: no receiver needs them, so they are refused even around a public address.
    for (const address of [
      '2002:808:808::1',
      '2001:0:808:808:8000:63bf:f7f7:f7f7',
      '::8.8.8.8',
      '64:ff9b:1::8.8.8.8',
    ])
      expect(isPublicAddress(address), address).toBe(false);
  });

  it('refuses IPv6 space outside global unicast and the special blocks inside it', () => {
    for (const address of [
      '::',
      '100::1',
      'fec0::1',
      'fd00:ec2::254',
      'ff02::1',
      '2001:2::1',
      '2001:db8::1',
      '3fff::1',
      '4000::1',
    ])
      expect(isPublicAddress(address), address).toBe(false);
    for (const address of ['2606:4700:4700::1111', '2a00:1450:4001:82b::200e', '2001:4860:4860::8888'])
      expect(isPublicAddress(address), address).toBe(true);
  });

  it('refuses any non-public IPv4 address in any IPv6 form that carries one (property)', () => {
    const notPublic = [
      ['0.0.0.0', 8],
      ['10.0.0.0', 8],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ] as const;
    const privateIPv4 = fc
      .tuple(fc.constantFrom(...notPublic), fc.nat({ max: 2 ** 32 - 1 }))
      .map(([[network, length], noise]) => {
        const base = network.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
        const size = 2 ** (32 - length);
        const value = base + (noise % size);
        return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
      });
    fc.assert(
      fc.property(privateIPv4, fc.constantFrom(...forms), (ipv4, [form, write]) => {
        expect(isPublicAddress(ipv4), ipv4).toBe(false);
        expect(isPublicAddress(write(ipv4)), `${form} of ${ipv4}: ${write(ipv4)}`).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses in AWS every target that is not public https, naming the reason', async () => {
    const refused = [
      ['https://127.0.0.1/hook', resolvesTo()],
      ['https://169.254.169.254/latest/meta-data/', resolvesTo()],
      ['https://[fd00:ec2::254]/', resolvesTo()],
      ['https://10.1.2.3/hook', resolvesTo()],
      ['https://internal.example.com/hook', resolvesTo('8.8.8.8', '10.0.0.7')],
      ['https://localhost/hook', resolvesTo('127.0.0.1')],
      ['http://hooks.example.com/hook', resolvesTo('8.8.8.8')],
      ['https://nowhere.invalid/', async () => Promise.reject(new Error('ENOTFOUND'))],
      ['https://[::ffff:10.0.0.1]/hook', resolvesTo()],
      ['https://[::10.0.0.1]/hook', resolvesTo()],
      ['https://[64:ff9b::a9fe:a9fe]/hook', resolvesTo()],
      ['https://[64:ff9b:1::a00:1]/hook', resolvesTo()],
      ['https://[2002:a00:1::1]/hook', resolvesTo()],
      ['https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook', resolvesTo()],
      ['https://sixtofour.example.com/hook', resolvesTo('2002:c0a8:10a::1')],
      ['https://teredo.example.com/hook', resolvesTo('2001:0:a00:1:8000:63bf:3fff:fdd2')],
    ] as const;
    for (const [url, resolve] of refused)
      await expect(checkWebhookUrl(url, aws, resolve), url).rejects.toBeInstanceOf(WebhookAddressError);
    await expect(
      checkWebhookUrl('https://hooks.example.com/x', aws, resolvesTo('8.8.8.8')),
    ).resolves.toBeInstanceOf(URL);
  });

  it('allows private https and loopback http locally, but no plain http elsewhere', async () => {
    await expect(checkWebhookUrl('http://127.0.0.1:9000/hook', local)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('https://192.168.1.10/hook', local)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('http://192.168.1.10/hook', local)).rejects.toThrow(/https/);
  });

  it('checks again at delivery: a host that now resolves to a private address is refused before any request', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests++;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    // The host resolved to a public address when subscribed; now it points at the metadata service.
    let answer = '8.8.8.8';
    const sender = new UndiciWebhookSender(aws, { resolve: async () => [{ address: answer, family: 4 }] });
    try {
      await expect(
        checkWebhookUrl(`https://hooks.example.com:${port}/`, aws, async () => [
          { address: answer, family: 4 },
        ]),
      ).resolves.toBeInstanceOf(URL);
      answer = '169.254.169.254';
      await expect(
        sender.post({ url: `https://hooks.example.com:${port}/`, headers: {}, body: '{}' }),
      ).rejects.toBeInstanceOf(WebhookAddressError);
      // Loopback over plain http is refused in AWS too, even to a server that is listening.
      await expect(
        sender.post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' }),
      ).rejects.toBeInstanceOf(WebhookAddressError);
      expect(requests).toBe(0);
    } finally {
      await sender.close();
      server.close();
    }
  });
});
