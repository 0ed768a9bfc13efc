import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { dataPaths } from '#shared/local/data-dir.ts';
import { findFreePort } from '#shared/local/free-port.ts';
import { loadOrCreateSigningKey } from '#shared/local/jwt.ts';
import { startWebhookReceiver } from '#test/support/notification-receivers.ts';
import { runningCommandLines, startNode, startServiceProcess, waitFor } from '#test/support/processes.ts';

const MAIN = 'shared/local/main.ts';
const TOKEN_CLI = 'shared/local/token-cli.ts';

function runTokenCli(dataDir: string, args: string[]) {
  return spawnSync(process.execPath, [TOKEN_CLI, ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
    encoding: 'utf8',
  });
}

function tokenFor(dataDir: string): string {
  return runTokenCli(dataDir, ['--tenant', 'demo', '--role', 'admin']).stdout.trim();
}

const startService = (dataDir: string, env: Record<string, string> = {}) => startServiceProcess(dataDir, env);

const javaFor = (dataDir: string) => () =>
  runningCommandLines().filter(
    (line) => line.startsWith('java ') && line.includes('DynamoDBLocal.jar') && line.includes(dataDir),
  );

describe('npm start', () => {
  it('prints where the API is, keeps data across a restart, and leaves no Java process after SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    const first = await startService(dataDir);
    expect(first.service.output()).toContain(`${first.url}/v1`);
    expect(first.service.output()).toContain('npm run --silent token -- --tenant demo --role admin');
    expect(first.service.output()).toMatch(/registered for tenant demo as cluster lab/);
    const token = tokenFor(dataDir);
    const headers = { authorization: `Bearer ${token}` };
    const clusters = (await (await fetch(`${first.url}/v1/clusters`, { headers })).json()) as {
      items: Array<{ name: string }>;
    };
    expect(clusters.items.map((cluster) => cluster.name)).toEqual(['lab']);
    const guests = (await (await fetch(`${first.url}/v1/guests?limit=200`, { headers })).json()) as {
      items: Array<{ type: string; tags: string[] }>;
    };
    expect(guests.items.length).toBeGreaterThanOrEqual(10);
    expect(new Set(guests.items.map((guest) => guest.type))).toEqual(new Set(['qemu', 'lxc']));
    const created = await fetch(`${first.url}/v1/policies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'survives', schedule: { cron: '0 2 * * *' }, selector: { all: true } }),
    });
    expect(created.status).toBe(201);
    expect(javaFor(dataDir)()).toHaveLength(1);

    first.service.child.kill('SIGTERM');
    expect(await first.service.exited).toBe(0);
    await waitFor(() => javaFor(dataDir)().length === 0, 10_000, 'DynamoDB Local to stop');

    const second = await startService(dataDir);
    const listed = await fetch(`${second.url}/v1/policies`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await listed.json()) as { items: Array<{ name: string }> }).items.map((p) => p.name)).toEqual([
      'survives',
    ]);
    second.service.child.kill('SIGINT');
    expect(await second.service.exited).toBe(0);
  }, 120_000);

  it('lets a new user subscribe a webhook and an email, run a policy, and receive both', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-notify-'));
    const hooks = await startWebhookReceiver();
    const { service, url } = await startService(dataDir, { WORKFLOW_TIME_FACTOR: '0.01' });
    try {
      const headers = { authorization: `Bearer ${tokenFor(dataDir)}`, 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) =>
        (
          await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
        ).json() as Promise<any>;
      const webhook = await post('/v1/subscriptions', { kind: 'webhook', target: hooks.url('/npm-start') });
      const email = await post('/v1/subscriptions', { kind: 'email', target: 'me@example.com' });
      // Without SMTP_URL, mail lands as .eml files in the data folder's mailbox.
      const mailbox = join(dataDir, 'mail');
      const mails = () =>
        existsSync(mailbox)
          ? readdirSync(mailbox)
              .filter((file) => file.endsWith('.eml'))
              .map((file) => readFileSync(join(mailbox, file), 'utf8'))
          : [];
      await waitFor(() => mails().length === 1, 10_000, 'the confirmation mail');
      const code = /confirmation code is (\d{6})/.exec(mails()[0] as string)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      expect((await post(`/v1/subscriptions/${email.id}/confirm`, { code })).status).toBe('active');
      const policy = await post('/v1/policies', {
        name: 'nightly',
        schedule: { cron: '0 2 * * *' },
        selector: {
          guests: [
            `${((await (await fetch(`${url}/v1/clusters`, { headers })).json()) as any).items[0].id}.100`,
          ],
        },
        notify: { onSuccess: true, onFailure: true },
      });
      await post(`/v1/policies/${policy.id}/runs`, {});
      const run = await hooks.waitFor(2, 30_000);
      const types = run.map((hook) =>
        new Webhook(webhook.secret).verify(hook.body, {
          'webhook-id': String(hook.headers['webhook-id']),
          'webhook-timestamp': String(hook.headers['webhook-timestamp']),
          'webhook-signature': String(hook.headers['webhook-signature']),
        }),
      );
      expect(types.map((payload: any) => payload.type).sort()).toEqual(['run.succeeded', 'snapshot.created']);
      await waitFor(
        () => mails().some((mail) => mail.includes('Subject: [nightly] run succeeded on 1 of 1 guests')),
        10_000,
        'the run mail',
      );
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      await hooks.stop();
    }
  }, 120_000);

  it('takes DynamoDB Local down with it even when killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-kill-'));
    const { service } = await startService(dataDir);
    expect(javaFor(dataDir)()).toHaveLength(1);
    service.child.kill('SIGKILL');
    await service.exited;
    await waitFor(() => javaFor(dataDir)().length === 0, 15_000, 'the orphaned DynamoDB Local to stop');
  }, 90_000);

  // DynamoDB Local's database file exists once it has run; a port check that comes first never
  // lets it start (it used to start, create the table and only then meet the taken port, ~34 s).
  const dynamoDbFile = (dataDir: string) => join(dataDir, 'dynamodb', 'shared-local-instance.db');

  it('says at once, before DynamoDB Local starts, that the API port is taken', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-port-'));
    try {
      const service = startNode(MAIN, {
        DATA_DIR: dataDir,
        PORT: String(port),
        SIMULATOR_PORT: String(await findFreePort()),
      });
      expect(await service.exited).toBe(1);
      expect(service.output()).toContain(
        `Cannot start: port ${port} is already in use (the API's port, PORT); stop the other process or set PORT to a free port`,
      );
      expect(service.output()).not.toContain('Starting the snapshot service');
      expect(existsSync(dynamoDbFile(dataDir))).toBe(false);
      expect(javaFor(dataDir)()).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('says at once, before DynamoDB Local starts, that the simulator port is taken', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-simport-'));
    try {
      const service = startNode(MAIN, {
        DATA_DIR: dataDir,
        PORT: String(await findFreePort()),
        SIMULATOR_PORT: String(port),
      });
      expect(await service.exited).toBe(1);
      expect(service.output()).toContain(
        `port ${port} is already in use (the Proxmox simulator's port, SIMULATOR_PORT)`,
      );
      expect(service.output()).toContain('PROXMOX_SIMULATOR=off');
      expect(service.output()).not.toContain('Starting the snapshot service');
      expect(existsSync(dynamoDbFile(dataDir))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('says clearly that the data folder is not writable', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'npm-start-dir-')), 'a-file');
    writeFileSync(file, 'not a folder');
    const service = startNode(MAIN, { DATA_DIR: join(file, 'data') });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/the data folder .* is not writable/);
  });

  it('says clearly that Java is missing', async () => {
    const service = startNode(MAIN, {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'npm-start-java-')),
      PATH: dirname(process.execPath),
    });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('Java is not installed');
  });

  it('rejects a bad setting, naming it', async () => {
    const service = startNode(MAIN, { PORT: 'eighty' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toContain('PORT');
  });
});

describe('npm run token', () => {
  it('prints only a JWT, and explains bad arguments on stderr', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'token-'));
    // The key a service makes on its first start with this data folder.
    await loadOrCreateSigningKey(dataPaths(dataDir).jwtKey);
    const good = runTokenCli(dataDir, ['--tenant', 'demo', '--role', 'viewer']);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const payload = JSON.parse(Buffer.from(good.stdout.split('.')[1] as string, 'base64url').toString());
    expect(payload).toMatchObject({ tenant: 'demo', role: 'viewer', sub: 'demo-viewer' });
    const bad = runTokenCli(dataDir, ['--tenant', 'demo', '--role', 'root']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('--role must be viewer, operator or admin');
  });
});
