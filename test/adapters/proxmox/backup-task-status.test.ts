import { describe, expect, it } from 'vitest';
import { type CommandClient, executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import type { BackupVolume, TaskStatus } from '#shared/domain/proxmox/types.ts';

const UPID = 'UPID:pve1:00001234:00005678:65000000:vzdump:101:root@pam:';
const FILE = 'vzdump-qemu-101-2026_11_23-02_00_00.vma.zst';
const VOLUME: BackupVolume = {
  volid: `backup-nfs:backup/${FILE}`,
  format: 'vma.zst',
  size: 4096,
  ctime: 1_795_400_000,
  subtype: 'qemu',
  vmid: 101,
};

/** A client that answers the three reads of a vzdump look and records which were made, in order. */
function fakeClient(
  status: TaskStatus['status'],
  log: string[],
  options: { holdLog?: Promise<void> } = {},
): { client: CommandClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    taskStatus: async (upid: string): Promise<TaskStatus> => {
      calls.push('taskStatus');
      return {
        upid,
        node: 'pve1',
        type: 'vzdump',
        id: '101',
        user: 'root@pam',
        status,
        starttime: 1_795_400_000,
        ...(status === 'stopped' ? { exitstatus: 'OK' } : {}),
      };
    },
    taskLog: async () => {
      calls.push('taskLog');
      await options.holdLog;
      calls.push('taskLog answered');
      return log.map((t, n) => ({ n: n + 1, t }));
    },
    backups: async () => {
      calls.push('backups');
      return [VOLUME];
    },
  };
  // Only the three reads a vzdump look makes exist; any other call would fail the test.
  return { client: client as unknown as CommandClient, calls };
}

const look = (client: CommandClient) =>
  executeCommand(client, {
    type: 'backupTaskStatus',
    node: 'pve1',
    vmid: 101,
    storage: 'backup-nfs',
    upid: UPID,
  });

describe('a look at a vzdump task (backupTaskStatus)', () => {
  it('is one read while the task runs: neither the log nor the storage content', async () => {
    const { client, calls } = fakeClient('running', []);
    expect(await look(client)).toEqual({ upid: UPID, status: 'running' });
    expect(calls).toEqual(['taskStatus']);
  });

  it('once the task stopped, asks for the log and the storage content at once and finds the archive', async () => {
    let release = () => {};
    const holdLog = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { client, calls } = fakeClient(
      'stopped',
      [`INFO: creating vzdump archive '/mnt/backup/dump/${FILE}'`],
      {
        holdLog,
      },
    );
    const result = look(client);
    // The storage content is asked for while the log has not answered yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['taskStatus', 'backups', 'taskLog']);
    release();
    expect(await result).toMatchObject({
      status: 'stopped',
      exitstatus: 'OK',
      archive: { volid: VOLUME.volid, size: 4096, format: 'vma.zst', ctime: VOLUME.ctime },
    });
  });

  it('keeps a failed task whose log names no archive to its log tail, whatever the storage answers', async () => {
    const { client } = fakeClient('stopped', ['ERROR: Backup of VM 101 failed - no space left on device']);
    const result = await look(client);
    expect(result).not.toHaveProperty('archive');
    expect(result).toMatchObject({ logTail: ['ERROR: Backup of VM 101 failed - no space left on device'] });
  });
});
