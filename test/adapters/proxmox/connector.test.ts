import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxClient } from '#shared/adapters/proxmox/client.ts';
import { parseUpid } from '#shared/domain/proxmox/upid.ts';
import {
  ProxmoxAlreadyExistsError,
  ProxmoxAuthError,
  ProxmoxInvalidParameterError,
  ProxmoxLockedError,
  ProxmoxNotFoundError,
  ProxmoxPermissionError,
  ProxmoxTaskFailedError,
  ProxmoxTlsError,
  ProxmoxUnreachableError,
  ProxmoxUnsupportedError,
} from '#shared/domain/proxmox-errors.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

let modern: TestSimulator;
let legacy: TestSimulator;

beforeAll(async () => {
  modern = await startTestSimulator();
  legacy = await startTestSimulator({ server: { legacyErrors: true } });
});
afterAll(async () => {
  await modern.close();
  await legacy.close();
});

describe('TLS', () => {
  it('connects when the pinned fingerprint matches', async () => {
    expect(await modern.client().version()).toMatchObject({ version: '8.4.1', release: '8.4' });
  });

  it('refuses a server whose certificate is not the pinned one, naming both fingerprints, and sends no token', async () => {
    const wrong = legacy.server.fingerprint();
    const error = await modern
      .client({ fingerprint: wrong })
      .version()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxTlsError);
    expect((error as ProxmoxTlsError).expected).toBe(wrong);
    expect((error as ProxmoxTlsError).actual).toBe(modern.server.fingerprint());
    expect((error as Error).message).toContain(wrong);
  });

  it('verifies against a given CA, and refuses a self-signed server without a pin or CA', async () => {
    const withCa = new ProxmoxClient({
      url: modern.server.url,
      tokenId: TOKEN_ID,
      secret: TOKEN_SECRET,
      caCertificate: modern.server.certificate().cert,
    });
    expect((await withCa.version()).version).toBe('8.4.1');
    await withCa.close();
    const systemCas = new ProxmoxClient(
      { url: modern.server.url, tokenId: TOKEN_ID, secret: TOKEN_SECRET },
      { retries: 0 },
    );
    await expect(systemCas.version()).rejects.toBeInstanceOf(ProxmoxTlsError);
    await systemCas.close();
  });

  it('notices a rotated certificate', async () => {
    const sim = await startTestSimulator();
    const client = sim.client({ fingerprint: sim.server.fingerprint() });
    await client.version();
    await sim.server.rotateCertificate();
    const fresh = sim.client({ fingerprint: sim.server.fingerprint() });
    expect((await fresh.version()).version).toBe('8.4.1');
    const stale = sim.client({ fingerprint: (await startTestSimulator()).server.fingerprint(), retries: 0 });
    await expect(stale.version()).rejects.toBeInstanceOf(ProxmoxTlsError);
    await sim.close();
  });
});

describe.each([
  ['PVE 8.4+ (message in the body)', () => modern],
  ['before PVE 8.4 (text only in the reason phrase)', () => legacy],
])('typed errors from a server %s', (_label, target) => {
  it('maps 401 to ProxmoxAuthError', async () => {
    const error = await target()
      .client({ secret: 'wrong' })
      .version()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxAuthError);
    expect((error as ProxmoxAuthError).proxmoxText).toBe('Authentication failed!');
  });

  it('maps 403 to ProxmoxPermissionError with the ACL path and privilege', async () => {
    const client = target().client({ tokenId: 'audit@pve!readonly', secret: 'readonly-secret' });
    const error = await client.createSnapshot('pve1', 'qemu', 100, { name: 'x1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxPermissionError);
    expect(error).toMatchObject({ aclPath: '/vms/100', privilege: 'VM.Snapshot' });
  });

  it('maps 400 to ProxmoxInvalidParameterError with the field map', async () => {
    const error = await target()
      .client()
      .createSnapshot('pve1', 'qemu', 100, { name: 'bad name' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxInvalidParameterError);
    expect((error as ProxmoxInvalidParameterError).fields).toEqual({
      snapname: "invalid format - invalid configuration ID 'bad name'\n",
    });
    expect((error as Error).message).toContain('Parameter verification failed.');
  });

  it('maps a missing guest (HTTP 500) to ProxmoxNotFoundError with Proxmox\u2019s text', async () => {
    const error = await target()
      .client()
      .snapshots('pve2', 'qemu', 100)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxNotFoundError);
    expect((error as ProxmoxNotFoundError).proxmoxText).toBe(
      "Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist",
    );
  });

  it('maps an unknown path (501) to ProxmoxUnsupportedError', async () => {
    const error = await target()
      .client()
      .call('GET', ['nodes', 'pve1', 'ceph', 'status'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxUnsupportedError);
    expect((error as ProxmoxUnsupportedError).proxmoxText).toBe(
      "Method 'GET /nodes/pve1/ceph/status' not implemented",
    );
  });

  it('maps 595 from the proxy to ProxmoxUnreachableError', async () => {
    target().server.setNodeUnreachable('pve3', 595);
    try {
      const error = await target()
        .client({ retries: 0 })
        .snapshots('pve3', 'qemu', 104)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProxmoxUnreachableError);
      expect((error as ProxmoxUnreachableError).httpStatus).toBe(595);
    } finally {
      target().server.setNodeUnreachable('pve3', undefined);
    }
  });
});

describe('tasks', () => {
  it('returns a UPID at once and waits for the task to finish', async () => {
    const client = modern.client();
    const upid = await client.createSnapshot('pve1', 'qemu', 101, {
      name: 'wait-ok',
      vmstate: true,
      description: 'ram',
    });
    expect(parseUpid(upid)).toMatchObject({ node: 'pve1', type: 'qmsnapshot', id: '101', user: TOKEN_ID });
    const progress: string[] = [];
    const status = await client.waitForTask(upid, {
      initialIntervalMs: 5,
      onProgress: (s) => progress.push(s.status),
    });
    expect(status.exitstatus).toBe('OK');
    expect(progress.at(-1)).toBe('stopped');
    const snapshot = (await client.snapshots('pve1', 'qemu', 101)).find((s) => s.name === 'wait-ok');
    expect(snapshot).toMatchObject({ vmstate: true, description: 'ram' });
  });

  it('reports a lock held by another operation as ProxmoxLockedError with its kind', async () => {
    modern.sim.holdLock(102, 'backup');
    try {
      const client = modern.client();
      const upid = await client.createSnapshot('pve2', 'qemu', 102, { name: 'locked-1' });
      const error = await client.waitForTask(upid, { initialIntervalMs: 5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProxmoxLockedError);
      expect(error).toMatchObject({ lock: 'backup', proxmoxText: 'VM is locked (backup)' });
    } finally {
      modern.sim.releaseLock(102);
    }
  });

  it('reports a taken snapshot name as ProxmoxAlreadyExistsError', async () => {
    const client = modern.client();
    await client.waitForTask(await client.createSnapshot('pve1', 'lxc', 200, { name: 'twice' }), {
      initialIntervalMs: 5,
    });
    const error = await client
      .waitForTask(await client.createSnapshot('pve1', 'lxc', 200, { name: 'twice' }), {
        initialIntervalMs: 5,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxAlreadyExistsError);
    expect((error as ProxmoxAlreadyExistsError).proxmoxText).toBe("snapshot name 'twice' already used");
  });

  it('reports any other task error as ProxmoxTaskFailedError with the task\u2019s text', async () => {
    modern.sim.failTasks({ message: 'zfs error: out of space', type: 'snapshot', vmid: 202 });
    const client = modern.client();
    const upid = await client.createSnapshot('pve3', 'lxc', 202, { name: 'doomed' });
    const error = await client.waitForTask(upid, { initialIntervalMs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxTaskFailedError);
    expect(error).toMatchObject({ upid, proxmoxText: 'zfs error: out of space' });
    expect((await client.snapshots('pve3', 'lxc', 202)).map((s) => s.name)).not.toContain('doomed');
  });

  it('gives up waiting at the deadline', async () => {
    const slow = await startTestSimulator({ simulator: { timeFactor: 1 } });
    const client = slow.client();
    const upid = await client.createSnapshot('pve1', 'qemu', 100, { name: 'slow' });
    await expect(client.waitForTask(upid, { timeoutMs: 100, initialIntervalMs: 20 })).rejects.toThrow(
      /still running/,
    );
    await slow.close();
  });
});

/**
 * Counts the HTTP requests the clients send to one origin, per method and API path, from
 * undici's own diagnostics channel: every attempt is one request, whatever the client's code does.
 */
function countRequests(origin: string) {
  const counts = new Map<string, number>();
  const onCreate = (message: unknown) => {
    const { request } = message as { request: { origin: string | URL; method: string; path: string } };
    if (new URL(String(request.origin)).origin !== origin) return;
    const key = `${request.method} ${request.path.split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  subscribe('undici:request:create', onCreate);
  return {
    of: (method: string, path: string) => counts.get(`${method} /api2/json${path}`) ?? 0,
    stop: () => unsubscribe('undici:request:create', onCreate),
  };
}

describe('retries', () => {
  it('retries a read after 595 and a write after 596, which never reached the node', async () => {
    const client = modern.client({ retries: 3 });
    const before = (await client.snapshots('pve1', 'qemu', 100)).map((s) => s.name);
    const requests = countRequests(modern.server.url);
    try {
      modern.server.failNext({ status: 595, message: 'Connection refused', count: 2, method: 'GET' });
      expect((await client.snapshots('pve1', 'qemu', 100)).map((s) => s.name)).toEqual(before);
      // Two refused, the third answered.
      expect(requests.of('GET', '/nodes/pve1/qemu/100/snapshot')).toBe(3);
      modern.server.failNext({ status: 596, message: 'Connection reset by peer', count: 1, method: 'POST' });
      const upid = await client.createSnapshot('pve1', 'qemu', 100, { name: 'after-596' });
      expect(requests.of('POST', '/nodes/pve1/qemu/100/snapshot')).toBe(2);
      await client.waitForTask(upid, { initialIntervalMs: 5 });
      const names = (await client.snapshots('pve1', 'qemu', 100)).map((s) => s.name);
      expect(names.filter((name) => name === 'after-596')).toHaveLength(1);
    } finally {
      requests.stop();
    }
  });

  it('never retries a write that reached Proxmox and failed', async () => {
    const client = modern.client({ retries: 3 });
    const requests = countRequests(modern.server.url);
    try {
      modern.server.failNext({ status: 500, message: 'got timeout', count: 1, method: 'POST' });
      await expect(client.createSnapshot('pve1', 'qemu', 100, { name: 'no-retry' })).rejects.toThrow(
        /got timeout/,
      );
      expect(requests.of('POST', '/nodes/pve1/qemu/100/snapshot')).toBe(1);
      // The write was not repeated: the name is still free.
      expect((await client.snapshots('pve1', 'qemu', 100)).map((s) => s.name)).not.toContain('no-retry');
    } finally {
      requests.stop();
    }
  });

  it('stops retrying after the configured attempts', async () => {
    const requests = countRequests(modern.server.url);
    try {
      modern.server.failNext({ status: 595, message: 'No route to host', count: 3, method: 'GET' });
      await expect(modern.client({ retries: 1 }).version()).rejects.toBeInstanceOf(ProxmoxUnreachableError);
      // The first attempt and one retry; the third fault was never asked for.
      expect(requests.of('GET', '/version')).toBe(2);
      await expect(modern.client({ retries: 0 }).version()).rejects.toBeInstanceOf(ProxmoxUnreachableError);
      expect((await modern.client({ retries: 0 }).version()).version).toBe('8.4.1');
      expect(requests.of('GET', '/version')).toBe(4);
    } finally {
      requests.stop();
      modern.server.clearFaults();
    }
  });

  it('times out a server that does not answer, and reports a closed port as unreachable', async () => {
    // undici checks its timeouts on a coarse (about half-second) clock.
    modern.server.setLatency(3000);
    try {
      const client = modern.client({ headersTimeoutMs: 100, retries: 0 });
      await expect(client.version()).rejects.toBeInstanceOf(ProxmoxUnreachableError);
    } finally {
      modern.server.setLatency(0);
    }
    const requests = countRequests('https://127.0.0.1:1');
    const closed = new ProxmoxClient(
      {
        url: 'https://127.0.0.1:1',
        tokenId: TOKEN_ID,
        secret: 'x',
        fingerprint: modern.server.fingerprint(),
      },
      { retries: 1, retryBaseMs: 1 },
    );
    try {
      await expect(closed.version()).rejects.toBeInstanceOf(ProxmoxUnreachableError);
      // A refused connection never reached anything: tried again once, as configured.
      expect(requests.of('GET', '/version')).toBe(2);
    } finally {
      requests.stop();
      await closed.close();
    }
  });
});

describe('inventory and other operations', () => {
  it('lists guests with split tags, pools, templates and locks', async () => {
    const guests = await modern.client().guests();
    expect(guests.find((g) => g.vmid === 102)).toMatchObject({
      type: 'qemu',
      node: 'pve2',
      name: 'db-01',
      tags: ['db', 'prod'],
      pool: 'production',
      template: false,
    });
    expect(guests.find((g) => g.vmid === 9000)?.template).toBe(true);
    expect(guests.find((g) => g.vmid === 200)?.type).toBe('lxc');
  });

  it('clones from a snapshot, backs up with vzdump and restores, on the simulated cluster', async () => {
    const client = modern.client();
    const wait = (upid: string) => client.waitForTask(upid, { initialIntervalMs: 5 });
    await wait(await client.createSnapshot('pve3', 'qemu', 104, { name: 'base' }));
    const newid = await client.nextVmid();
    await wait(
      await client.clone('pve3', 'qemu', 104, { newid, name: 'from-base', snapname: 'base', full: true }),
    );
    expect((await client.guests()).find((g) => g.vmid === newid)).toMatchObject({
      name: 'from-base',
      status: 'stopped',
    });

    await wait(
      await client.vzdump('pve3', { vmid: 104, storage: 'backup-nfs', notesTemplate: '{{guestname}}' }),
    );
    const [backup] = await client.backups('pve3', 'backup-nfs', 104);
    expect(backup?.volid).toMatch(
      /^backup-nfs:backup\/vzdump-qemu-104-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.zst$/,
    );
    expect(backup).toMatchObject({ vmid: 104, subtype: 'qemu', notes: 'staging-app' });

    const restoredId = await client.nextVmid();
    await wait(
      await client.restore('pve3', 'qemu', {
        vmid: restoredId,
        archive: backup?.volid as string,
        storage: 'local-lvm',
      }),
    );
    expect((await client.guests()).some((g) => g.vmid === restoredId)).toBe(true);
    const overwrite = await client
      .restore('pve3', 'qemu', { vmid: 104, archive: backup?.volid as string })
      .catch((e: unknown) => e);
    expect(overwrite).toBeInstanceOf(ProxmoxAlreadyExistsError);
    expect((overwrite as ProxmoxAlreadyExistsError).proxmoxText).toBe(
      "unable to restore VM 104 - VM 104 already exists on node 'pve3'",
    );
    await wait((await client.deleteVolume('pve3', 'backup-nfs', backup?.volid as string)) as string);
    expect(await client.backups('pve3', 'backup-nfs', 104)).toEqual([]);
  });
});
