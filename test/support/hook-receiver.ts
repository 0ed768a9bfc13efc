import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import { generateCertificate } from '#shared/local/proxmox-simulator/server.ts';

interface ReceivedHook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: any;
}

/**
 * An HTTPS hook receiver on loopback with a self-signed certificate (the test trusts `cert`).
 * Paths: `/ok` answers 200 `ok`, `/fail` 500, `/slow` answers only after `slowMs`, `/accept`
 * 202 with nothing else (the receiver calls back later).
 */
export async function startHookReceiver(options: { slowMs?: number } = {}) {
  const certificate = await generateCertificate();
  const received: ReceivedHook[] = [];
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, json });
      if (req.url === '/fail') return res.writeHead(500).end('database refused to freeze');
      if (req.url === '/accept') return res.writeHead(202).end();
      if (req.url === '/slow') {
        const timer = setTimeout(() => res.writeHead(200).end('late'), options.slowMs ?? 3000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    cert: certificate.cert,
    received,
    url: (path: string) => `https://127.0.0.1:${port}${path}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
