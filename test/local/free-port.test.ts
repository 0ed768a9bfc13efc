import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortsFree, findFreePort } from '#shared/local/free-port.ts';
import { loadLocalConfig, portsToBind } from '#shared/local/local-config.ts';

const blockers: Server[] = [];
afterEach(async () => {
  await Promise.all(blockers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function occupiedPort(): Promise<number> {
  const server = createServer();
  blockers.push(server);
  return await new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

describe('checking the ports before the runtime starts', () => {
  it('names the port, what it is for and the variable to change when it is taken', async () => {
    const port = await occupiedPort();
    await expect(
      assertPortsFree([
        { port, host: '127.0.0.1', variable: 'SIMULATOR_PORT', what: "the Proxmox simulator's port" },
      ]),
    ).rejects.toThrow(
      `port ${port} is already in use (the Proxmox simulator's port, SIMULATOR_PORT); stop the other process or set SIMULATOR_PORT to a free port`,
    );
  });

  it('refuses the same port for two listeners', async () => {
    const port = await findFreePort();
    const config = loadLocalConfig({ PORT: String(port), SIMULATOR_PORT: String(port), DATA_DIR: '/tmp/x' });
    await expect(assertPortsFree(portsToBind(config))).rejects.toThrow(
      `PORT and SIMULATOR_PORT are both ${port}`,
    );
  });

  it('checks the simulator port only when the simulator runs, and never port 0', async () => {
    const config = loadLocalConfig({ PORT: '0', PROXMOX_SIMULATOR: 'off' });
    expect(portsToBind(config).map((entry) => entry.variable)).toEqual(['PORT']);
    await expect(assertPortsFree(portsToBind(config))).resolves.toBeUndefined();
    const free = await findFreePort();
    await expect(
      assertPortsFree(portsToBind(loadLocalConfig({ PORT: String(free), SIMULATOR_PORT: '0' }))),
    ).resolves.toBeUndefined();
  });
});
