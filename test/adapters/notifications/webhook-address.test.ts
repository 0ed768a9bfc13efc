import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
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
