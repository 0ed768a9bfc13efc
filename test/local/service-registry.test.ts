import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerService, registryDir, runningServices } from '#shared/local/service-registry.ts';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'registry-')), 'pve-snapshots');
const record = (port: number, dataDir = `/srv/data-${port}`) => ({
  pid: process.pid,
  url: `http://127.0.0.1:${port}`,
  port,
  dataDir,
  startedAt: new Date().toISOString(),
});

/** The pid of a process that has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('the registry of running services', () => {
  it('lives in XDG_RUNTIME_DIR when there is one, else in a per-user temporary folder', () => {
    expect(registryDir({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/pve-snapshots');
    expect(registryDir({})).toMatch(/pve-snapshots-\d+$/);
  });

  it('lists a service while it runs, in a private folder and file, and forgets it when it unregisters', async () => {
    const dir = freshDir();
    const registration = await registerService(dir, record(3000));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(registration.file).mode & 0o777).toBe(0o600);
    expect((await runningServices(dir)).map((service) => [service.port, service.dataDir])).toEqual([
      [3000, '/srv/data-3000'],
    ]);
    registration.unregister();
    expect(await runningServices(dir)).toEqual([]);
  });

  it('drops and deletes the record of a service that ended without unregistering', async () => {
    const dir = freshDir();
    await registerService(dir, record(3000));
    writeFileSync(join(dir, 'service-3001.json'), JSON.stringify({ ...record(3001), pid: endedPid() }));
    expect((await runningServices(dir)).map((service) => service.port)).toEqual([3000]);
    expect(readdirSync(dir)).toEqual(['service-3000.json']);
  });

  it('does not take a process that got a dead service’s pid for the service', async () => {
    const dir = freshDir();
    await registerService(dir, record(3000));
    writeFileSync(
      join(dir, 'service-3001.json'),
      JSON.stringify({ ...record(3001), cmdline: 'node\0some-other-program.js\0' }),
    );
    const ports = (await runningServices(dir)).map((service) => service.port);
    expect(ports).toEqual(existsSync('/proc/self/cmdline') ? [3000] : [3000, 3001]);
  });

  it('leaves a newer service’s record alone when an older one unregisters', async () => {
    const dir = freshDir();
    const older = await registerService(dir, record(3000, '/srv/old'));
    writeFileSync(older.file, JSON.stringify({ ...record(3000, '/srv/new'), pid: process.pid + 1 }));
    older.unregister();
    expect(existsSync(older.file)).toBe(true);
  });

  it('trusts no folder other users can open', async () => {
    const dir = freshDir();
    await registerService(dir, record(3000));
    chmodSync(dir, 0o755);
    expect(await runningServices(dir)).toEqual([]);
    await expect(registerService(dir, record(3001))).rejects.toThrow("is not a folder of this user's alone");
  });
});
