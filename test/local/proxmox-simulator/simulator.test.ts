import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUpid, parseUpid } from '#shared/domain/proxmox/upid.ts';
import { startTestSimulator, type TestSimulator, TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';

let simulator: TestSimulator;
const auth = { authorization: `PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}` };

beforeAll(async () => {
  simulator = await startTestSimulator();
});
afterAll(() => simulator.close());

/** A raw HTTPS call that shows status line, headers and body as Proxmox sends them. */
async function raw(method: string, path: string, body?: string, headers: Record<string, string> = auth) {
  const { request } = await import('node:https');
  return await new Promise<{
    status: number;
    reason: string;
    headers: Record<string, unknown>;
    body: string;
  }>((resolve, reject) => {
    const req = request(
      `${simulator.server.url}${path}`,
      {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ca: simulator.server.certificate().cert,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            body: text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('UPIDs', () => {
  it('encodes and decodes Proxmox\u2019s own test vectors', () => {
    const vector = 'UPID:example-node:0000C346:165A0CE4:68D7279C:aptupdate::root@pam:';
    expect(parseUpid(vector)).toEqual({
      node: 'example-node',
      pid: 49990,
      pstart: 375000292,
      starttime: 1758930844,
      type: 'aptupdate',
      id: '',
      user: 'root@pam',
    });
    expect(formatUpid(parseUpid(vector) as never)).toBe(vector);
    expect(parseUpid('UPID:example-node:000934AF:0D015579:68BF3A41:hastart:100:root@pam:')?.id).toBe('100');
    expect(parseUpid('UPID:n:1:2:3:x:y:z:')).toBeUndefined();
  });
});

describe('wire format', () => {
  it('wraps results in {"data": ...} with Proxmox\u2019s content type and server header', async () => {
    const response = await raw('GET', '/api2/json/version');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(response.headers.server).toBe('pve-api-daemon/3.0');
    expect(JSON.parse(response.body).data).toMatchObject({ version: '8.4.1' });
  });

  it('answers a missing or wrong token with 401, an empty body, after the delay', async () => {
    const started = performance.now();
    const none = await raw('GET', '/api2/json/version', undefined, {});
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
    expect([none.status, none.reason, none.body]).toEqual([401, 'No ticket', '']);
    const wrong = await raw('GET', '/api2/json/version', undefined, {
      authorization: `PVEAPIToken=${TOKEN_ID}=nope`,
    });
    expect([wrong.status, wrong.reason, wrong.body]).toEqual([401, 'Authentication failed!', '']);
  });

  it('puts the error text in the reason phrase and, from PVE 8.4, in message; 400 carries the errors map', async () => {
    const response = await raw('POST', '/api2/json/nodes/pve1/qemu/100/snapshot', 'snapname=x%20y');
    expect(response.status).toBe(400);
    expect(response.reason).toBe('Parameter verification failed.');
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toEqual({
      data: null,
      errors: { snapname: "invalid format - invalid configuration ID 'x y'\n" },
      message: 'Parameter verification failed.\n',
    });
  });

  it('answers an unknown path with 501 "Method ... not implemented"', async () => {
    const response = await raw('GET', '/api2/json/nodes/pve1/nothing');
    expect([response.status, response.reason]).toEqual([
      501,
      "Method 'GET /nodes/pve1/nothing' not implemented",
    ]);
  });
});

describe('snapshot rules from Proxmox\u2019s source', () => {
  it.each([
    ['qemu', 100, 'pve1', 'current', "unable to use snapshot name 'current' (reserved name)"],
    ['qemu', 100, 'pve1', 'Pending', "unable to use snapshot name 'pending' (reserved name)"],
    ['lxc', 200, 'pve1', 'vzdump', "unable to use snapshot name 'vzdump' (reserved name)"],
  ])('refuses the reserved name on %s %i/%s %s with HTTP 500', async (type, vmid, node, name, text) => {
    const response = await raw(
      'POST',
      `/api2/json/nodes/${node}/${type}/${vmid}/snapshot`,
      `snapname=${name}`,
    );
    expect([response.status, response.reason]).toEqual([500, text]);
  });

  it('accepts "vzdump" on QEMU and "pending" on LXC, which those types do not reserve', async () => {
    const client = simulator.client();
    await client.waitForTask(await client.createSnapshot('pve1', 'qemu', 100, { name: 'vzdump' }), {
      initialIntervalMs: 5,
    });
    await client.waitForTask(await client.createSnapshot('pve1', 'lxc', 200, { name: 'pending' }), {
      initialIntervalMs: 5,
    });
  });

  it('enforces the name format and 40 characters', async () => {
    const long = await raw('POST', '/api2/json/nodes/pve1/qemu/100/snapshot', `snapname=a${'b'.repeat(40)}`);
    expect(JSON.parse(long.body).errors).toEqual({ snapname: 'value may only be 40 characters long' });
    const digit = await raw('POST', '/api2/json/nodes/pve1/qemu/100/snapshot', 'snapname=1abc');
    expect(JSON.parse(digit.body).errors.snapname).toBe("invalid format - invalid configuration ID '1abc'\n");
  });

  it('rejects vmstate for containers as an unknown parameter', async () => {
    const response = await raw('POST', '/api2/json/nodes/pve1/lxc/200/snapshot', 'snapname=ram&vmstate=1');
    expect(JSON.parse(response.body).errors).toEqual({
      vmstate: 'property is not defined in schema and the schema does not allow additional properties',
    });
  });

  it('lists snapshots with "current" last, vmstate only for QEMU, and holds the lock while the task runs', async () => {
    const slow = await startTestSimulator({ simulator: { timeFactor: 0.1 } });
    const client = slow.client();
    const upid = await client.createSnapshot('pve1', 'qemu', 101, { name: 'first' });
    const during = await client.call<Array<Record<string, unknown>>>('GET', [
      'nodes',
      'pve1',
      'qemu',
      101,
      'snapshot',
    ]);
    expect(during[0]).toMatchObject({ name: 'first', snapstate: 'prepare' });
    expect((await client.guestConfig('pve1', 'qemu', 101)).lock).toBe('snapshot');
    const second = await client.createSnapshot('pve1', 'qemu', 101, { name: 'second' });
    await expect(client.waitForTask(second, { initialIntervalMs: 5 })).rejects.toMatchObject({
      proxmoxText: 'VM is locked (snapshot)',
    });
    await client.waitForTask(upid, { initialIntervalMs: 5 });
    const after = await client.call<Array<Record<string, unknown>>>('GET', [
      'nodes',
      'pve1',
      'qemu',
      101,
      'snapshot',
    ]);
    expect(after.at(-1)).toMatchObject({
      name: 'current',
      description: 'You are here!',
      running: 1,
      parent: 'first',
    });
    expect(after[0]).toMatchObject({ name: 'first', vmstate: 0, description: '' });
    const lxc = await client.call<Array<Record<string, unknown>>>('GET', [
      'nodes',
      'pve1',
      'lxc',
      200,
      'snapshot',
    ]);
    expect(lxc.every((entry) => !('vmstate' in entry))).toBe(true);
    await slow.close();
  });

  it('says "CT is locked" for containers and refuses snapshots of templates', async () => {
    const client = simulator.client();
    simulator.sim.holdLock(201, 'backup');
    await expect(
      client.waitForTask(await client.createSnapshot('pve2', 'lxc', 201, { name: 'x1' }), {
        initialIntervalMs: 5,
      }),
    ).rejects.toMatchObject({ proxmoxText: 'CT is locked (backup)', lock: 'backup' });
    simulator.sim.releaseLock(201);
    await expect(
      client.waitForTask(await client.createSnapshot('pve1', 'qemu', 9000, { name: 'x1' }), {
        initialIntervalMs: 5,
      }),
    ).rejects.toMatchObject({ proxmoxText: "you can't take a snapshot if it's a template" });
  });

  it('stops a running VM for a rollback, and runs it again when the snapshot has RAM state', async () => {
    const client = simulator.client();
    const wait = (upid: string) => client.waitForTask(upid, { initialIntervalMs: 5 });
    await wait(await client.createSnapshot('pve3', 'qemu', 104, { name: 'with-ram', vmstate: true }));
    await wait(await client.createSnapshot('pve3', 'qemu', 104, { name: 'disk-only' }));
    await wait(await client.rollbackSnapshot('pve3', 'qemu', 104, 'disk-only'));
    expect((await client.guestStatus('pve3', 'qemu', 104)).status).toBe('stopped');
    await wait(await client.rollbackSnapshot('pve3', 'qemu', 104, 'with-ram'));
    expect((await client.guestStatus('pve3', 'qemu', 104)).status).toBe('running');
    await expect(wait(await client.rollbackSnapshot('pve3', 'qemu', 104, 'gone'))).rejects.toMatchObject({
      proxmoxText: "snapshot 'gone' does not exist",
    });
  });

  it('updates a description only when one is given, as Proxmox does', async () => {
    const client = simulator.client();
    await client.updateSnapshotDescription('pve1', 'qemu', 100, 'vzdump', 'keep me');
    expect((await client.snapshots('pve1', 'qemu', 100)).find((s) => s.name === 'vzdump')?.description).toBe(
      'keep me',
    );
    await expect(client.updateSnapshotDescription('pve1', 'qemu', 100, 'missing', 'x')).rejects.toMatchObject(
      {
        proxmoxText: "snapshot 'missing' does not exist",
      },
    );
  });
});

describe('cluster resources and storage', () => {
  it('lists VM entries sorted by id with tags joined by ";" and pools', async () => {
    const entries = await simulator
      .client()
      .call<Array<Record<string, unknown>>>('GET', ['cluster', 'resources'], { type: 'vm' });
    const ids = entries.map((entry) => String(entry.id));
    expect(ids).toEqual([...ids].sort());
    expect(entries.find((entry) => entry.vmid === 102)).toMatchObject({
      id: 'qemu/102',
      tags: 'db;prod',
      pool: 'production',
      template: 0,
    });
    const bad = await raw('GET', '/api2/json/cluster/resources?type=disk');
    expect(JSON.parse(bad.body).errors.type).toBe(
      "value 'disk' does not have a value in the enumeration 'vm, storage, node, sdn'",
    );
  });

  it('shows guests of an offline node with status unknown', async () => {
    simulator.sim.setNodeOnline('pve3', false);
    try {
      const guests = await simulator.client().guests();
      expect(
        guests.filter((g) => g.node === 'pve3').every((g) => g.status === 'unknown' && g.name === undefined),
      ).toBe(true);
    } finally {
      simulator.sim.setNodeOnline('pve3', true);
    }
  });

  it('accounts backup sizes in storage usage', async () => {
    const client = simulator.client();
    const before = (await client.storages('pve1')).find((s) => s.storage === 'local');
    await client.waitForTask(await client.vzdump('pve1', { vmid: 200, storage: 'local' }), {
      initialIntervalMs: 5,
    });
    const after = (await client.storages('pve1')).find((s) => s.storage === 'local');
    const [backup] = await client.backups('pve1', 'local', 200);
    expect(backup?.volid).toMatch(/^local:backup\/vzdump-lxc-200-.*\.tar\.zst$/);
    expect((after?.used ?? 0) - (before?.used ?? 0)).toBe(backup?.size);
  });

  it('logs a vzdump task as vzdump does and holds the backup lock while it runs', async () => {
    const client = simulator.client();
    const upid = await client.vzdump('pve1', { vmid: 100, storage: 'local', compress: 'lzo', bwlimit: 1024 });
    expect(simulator.sim.state.guests.find((g) => g.vmid === 100)?.lock).toBe('backup');
    await client.waitForTask(upid, { initialIntervalMs: 5 });
    const log = (await client.taskLog(upid, 0, 100)).map((line) => line.t);
    const [archive] = (await client.backups('pve1', 'local', 100)).slice(-1);
    const file = archive?.volid.split('/')[1] ?? 'none';
    expect(file).toMatch(/^vzdump-qemu-100-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma\.lzo$/);
    expect(log).toContain(`INFO: creating vzdump archive '/var/lib/vz/dump/${file}'`);
    expect(log.some((line) => /^INFO: Finished Backup of VM 100 \(\d{2}:\d{2}:\d{2}\)$/.test(line))).toBe(
      true,
    );
    expect(log).toContain('INFO: bandwidth limit: 1024 KiB/s');
    expect(log.at(-2)).toBe('INFO: Backup job finished successfully');
    expect(log.at(-1)).toBe('TASK OK');
    expect(simulator.sim.state.guests.find((g) => g.vmid === 100)?.lock).toBeUndefined();
  });

  it('fails a backup on a full storage with "job errors" and the reason in the log, writing nothing', async () => {
    const client = simulator.client();
    const storage = simulator.sim.state.storages.find((s) => s.storage === 'local') as {
      used: number;
      total: number;
    };
    const used = storage.used;
    storage.used = storage.total - 1;
    try {
      const upid = await client.vzdump('pve1', { vmid: 101, storage: 'local' });
      await expect(client.waitForTask(upid, { initialIntervalMs: 5 })).rejects.toMatchObject({
        proxmoxText: 'job errors',
      });
      const log = (await client.taskLog(upid, 0, 100)).map((line) => line.t);
      expect(log).toContain(
        'ERROR: Backup of VM 101 failed - vma_queue_write: write error - No space left on device',
      );
      expect(await client.backups('pve1', 'local', 101)).toEqual([]);
      expect(storage.used).toBe(storage.total - 1);
      expect(simulator.sim.state.guests.find((g) => g.vmid === 101)?.lock).toBeUndefined();
    } finally {
      storage.used = used;
    }
  });
});

describe('guest config and clones', () => {
  it('deletes tags through PUT /config (both guest types), refuses a locked guest, leaves other settings to Proxmox', async () => {
    const client = simulator.client();
    await client.clearTags('pve1', 'qemu', 100);
    expect((await client.guestConfig('pve1', 'qemu', 100)).tags).toBeUndefined();
    await client.clearTags('pve3', 'lxc', 202);
    expect(simulator.sim.state.guests.find((g) => g.vmid === 202)?.tags).toEqual([]);
    simulator.sim.holdLock(101, 'backup');
    try {
      await expect(client.clearTags('pve1', 'qemu', 101)).rejects.toMatchObject({
        proxmoxText: 'VM is locked (backup)',
      });
    } finally {
      simulator.sim.releaseLock(101);
    }
    const memory = await raw('PUT', '/api2/json/nodes/pve1/qemu/101/config', 'memory=4096');
    expect(memory.status).toBe(400);
  });

  it('gives a clone of a snapshot the snapshot\u2019s tags, not the guest\u2019s current ones', async () => {
    const client = simulator.client();
    await client.waitForTask(await client.createSnapshot('pve2', 'qemu', 102, { name: 'tagged-then' }));
    simulator.sim.state.guests.find((g) => g.vmid === 102)?.tags.push('later');
    await client.waitForTask(
      await client.clone('pve2', 'qemu', 102, { newid: 5102, snapname: 'tagged-then', full: true }),
    );
    expect(simulator.sim.state.guests.find((g) => g.vmid === 5102)?.tags).toEqual(['db', 'prod']);
  });
});
