import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { paths } from '../../client/api-types.ts';
import { humanBytes } from '../../client/format.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { clusterNames, guestName, listAll, resolveBackup, resolvePolicy } from '../resolve.ts';
import { startedOperation, type WaitSettings, withWaitOptions } from '../wait.ts';
import { act, first } from './action.ts';

/** The volid names a backup back (`backups get <volid>`); the long `bk_…` id is in -o json. */
const columns = (names: ReadonlyMap<string, string>): Column<Schemas['Backup']>[] => [
  { header: 'VOLID', value: (backup) => backup.volid ?? backup.id },
  { header: 'GUEST', value: (backup) => guestName(names, backup) },
  { header: 'SIZE', value: (backup) => (backup.size === undefined ? undefined : humanBytes(backup.size)) },
  { header: 'STATUS', value: (backup) => backup.status },
  { header: 'ORIGIN', value: (backup) => backup.origin },
  { header: 'PROTECTED', value: (backup) => (backup.protected ? 'yes' : 'no') },
  { header: 'CREATED', value: (backup) => backup.createdAt },
  { header: 'NOTES', value: (backup) => backup.notes ?? backup.error },
];

type ListOptions = Omit<
  NonNullable<paths['/v1/backups']['get']['parameters']['query']>,
  'limit' | 'cursor'
> & { limit?: number };

type WaitOptions = { wait?: boolean } & WaitSettings;

interface RestoreOptions extends WaitOptions {
  newGuest?: boolean;
  overwrite?: boolean;
  vmid?: number;
  name?: string;
  node?: string;
  storage?: string;
  copyTags?: boolean;
  safetyBackup: boolean;
  start?: boolean;
}

function restoreBody(options: RestoreOptions): Schemas['BackupRestoreRequest'] {
  if (options.newGuest && options.overwrite)
    throw new CliError('--new-guest or --overwrite, not both', ExitCode.usage);
  const start = options.start === undefined ? {} : { start: options.start };
  const newGuest = {
    ...(options.vmid !== undefined ? { vmid: options.vmid } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.node !== undefined ? { node: options.node } : {}),
    ...(options.storage !== undefined ? { storage: options.storage } : {}),
    ...(options.copyTags ? { copyTags: true } : {}),
  };
  if (options.overwrite) {
    if (Object.keys(newGuest).length > 0)
      throw new CliError(
        '--vmid, --name, --node, --storage and --copy-tags are for a new guest',
        ExitCode.usage,
      );
    return { overwrite: true, safetyBackup: options.safetyBackup, ...start };
  }
  if (!options.safetyBackup) throw new CliError('--no-safety-backup is for --overwrite', ExitCode.usage);
  return { ...start, ...(Object.keys(newGuest).length > 0 ? { newGuest } : {}) };
}

export function registerBackupCommands(program: Command, context: CliContext): void {
  const backups = program
    .command('backups')
    .alias('backup')
    .description('the backup catalog (vzdump archives): list, change, delete, restore');

  backups
    .command('list')
    .alias('ls')
    .description('backups, newest first')
    .option('--guest <guest>', 'only this guest (lab/101 or id)')
    .option('--policy <policy>', 'only this policy (name or id)')
    .option('--storage <storage>', 'only this storage')
    .option('--status <status>', 'created, failed, missing or deleted')
    .option('--from <time>', 'written at or after (ISO 8601)')
    .option('--to <time>', 'written at or before (ISO 8601)')
    .option('--limit <n>', 'at most this many', integer)
    .action(
      act<ListOptions>(context, async (session, _args, options) => {
        const { limit, ...filters } = options;
        if (filters.policy) filters.policy = await resolvePolicy(session.client, filters.policy);
        const items = await listAll(
          async (page) =>
            (await unwrap(session.client.GET('/v1/backups', { params: { query: { ...filters, ...page } } })))
              .data,
          limit,
        );
        session.printList(
          items,
          columns(session.output === 'table' ? await clusterNames(session.client) : new Map()),
        );
      }),
    );

  backups
    .command('get')
    .description('one backup: archive, size, notes, protection; the task log tail when it failed')
    .argument('<backup>', 'backup id (bk_…) or volid (storage:backup/vzdump-…)')
    .action(
      act(context, async (session, args) => {
        const backupId = await resolveBackup(session.client, first(args));
        session.print(
          (await unwrap(session.client.GET('/v1/backups/{backupId}', { params: { path: { backupId } } })))
            .data,
        );
      }),
    );

  backups
    .command('update')
    .description("change a backup's notes or protection, on Proxmox and in the catalog (operator)")
    .argument('<backup>', 'backup id (bk_…) or volid')
    .option('--notes <text>', 'new notes')
    .option('--protect', 'protect it: Proxmox refuses to delete it, retention skips it')
    .option('--unprotect', 'remove the protection')
    .action(
      act<{ notes?: string; protect?: boolean; unprotect?: boolean }>(
        context,
        async (session, args, options) => {
          if (options.protect && options.unprotect)
            throw new CliError('--protect or --unprotect, not both', ExitCode.usage);
          const body = {
            ...(options.notes !== undefined ? { notes: options.notes } : {}),
            ...(options.protect ? { protected: true } : options.unprotect ? { protected: false } : {}),
          };
          if (Object.keys(body).length === 0)
            throw new CliError('nothing to change: --notes, --protect or --unprotect', ExitCode.usage);
          const backupId = await resolveBackup(session.client, first(args));
          session.print(
            (
              await unwrap(
                session.client.PATCH('/v1/backups/{backupId}', { params: { path: { backupId } }, body }),
              )
            ).data,
          );
        },
      ),
    );

  backups
    .command('delete')
    .alias('rm')
    .description('delete the archive on Proxmox; the record stays as deleted (operator)')
    .argument('<backup>', 'backup id (bk_…) or volid')
    .action(
      act(context, async (session, args) => {
        const backupId = await resolveBackup(session.client, first(args));
        session.print(
          (await unwrap(session.client.DELETE('/v1/backups/{backupId}', { params: { path: { backupId } } })))
            .data,
        );
      }),
    );

  withWaitOptions(
    backups
      .command('restore')
      .description(
        'restore the backup to a new guest (default, --new-guest), or over the original guest with --overwrite (a safety backup first) (operator)',
      )
      .argument('<backup>', 'backup id (bk_…) or volid')
      .option('--new-guest', 'restore into a new guest (the default)')
      .option(
        '--overwrite',
        'restore over the original guest: stopped, replaced with the archive, disks and snapshots',
      )
      .option('--vmid <vmid>', 'new guest: its vmid (default: the next free one)', integer)
      .option('--name <name>', "new guest: its name (default: the archive's)")
      .option('--node <node>', "new guest: its node (default: the archive's)")
      .option('--storage <storage>', 'new guest: the storage for its disks')
      .option('--copy-tags', "new guest: keep the archive's tags (it may then join tag-selected policies)")
      .option('--no-safety-backup', 'overwrite: take no safety backup first')
      .option('--start', 'start the guest afterwards (overwrite default: if it was running)')
      .option('--no-start', 'leave the guest stopped afterwards'),
  ).action(
    act<RestoreOptions>(context, async (session, args, options) => {
      const body = restoreBody(options);
      const backupId = await resolveBackup(session.client, first(args));
      const { data } = await unwrap(
        session.client.POST('/v1/backups/{backupId}/restore', { params: { path: { backupId } }, body }),
      );
      await startedOperation(session, data, options);
    }),
  );
}
