import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll } from '../resolve.ts';
import { startedOperation, type WaitSettings, withWaitOptions } from '../wait.ts';
import { act, first, second } from './action.ts';

const COLUMNS: Column<Schemas['GuestSnapshot']>[] = [
  { header: 'NAME', value: (snapshot) => snapshot.name },
  { header: 'ORIGIN', value: (snapshot) => snapshot.origin },
  { header: 'STATUS', value: (snapshot) => snapshot.status },
  {
    header: 'ON PROXMOX',
    value: (snapshot) => (snapshot.onProxmox === undefined ? '?' : snapshot.onProxmox ? 'yes' : 'no'),
  },
  { header: 'RAM', value: (snapshot) => (snapshot.vmstate ? 'yes' : 'no') },
  { header: 'PROTECTED', value: (snapshot) => (snapshot.protected ? 'yes' : 'no') },
  { header: 'CREATED', value: (snapshot) => snapshot.createdAt },
  { header: 'DESCRIPTION', value: (snapshot) => snapshot.description },
];

type WaitOptions = { wait?: boolean } & WaitSettings;

interface RestoreOptions extends WaitOptions {
  newGuest?: boolean;
  vmid?: number;
  name?: string;
  node?: string;
  storage?: string;
  pool?: string;
  copyTags?: boolean;
  safetySnapshot: boolean;
  start?: boolean;
}

function restoreBody(options: RestoreOptions): Schemas['RestoreRequest'] {
  const start = options.start === undefined ? {} : { start: options.start };
  const cloneOptions = {
    ...(options.vmid !== undefined ? { vmid: options.vmid } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.node !== undefined ? { node: options.node } : {}),
    ...(options.storage !== undefined ? { storage: options.storage } : {}),
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
    ...(options.copyTags ? { copyTags: true } : {}),
  };
  if (!options.newGuest) {
    if (Object.keys(cloneOptions).length > 0)
      throw new CliError(
        '--vmid, --name, --node, --storage, --pool and --copy-tags need --new-guest',
        ExitCode.usage,
      );
    return { mode: 'in_place', safetySnapshot: options.safetySnapshot, ...start };
  }
  return {
    mode: 'new_guest',
    ...start,
    ...(Object.keys(cloneOptions).length > 0 ? { newGuest: cloneOptions } : {}),
  };
}

export function registerSnapshotCommands(program: Command, context: CliContext): void {
  const snapshots = program
    .command('snapshots')
    .alias('snapshot')
    .description("a guest's snapshots: list, take, change, delete, restore");

  snapshots
    .command('list')
    .alias('ls')
    .description('every snapshot of a guest, newest first (on Proxmox and recorded)')
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .option('--limit <n>', 'at most this many', integer)
    .action(
      act<{ limit?: number }>(context, async (session, args, options) => {
        const guestId = first(args);
        let proxmoxError: string | undefined;
        const items = await listAll(async (query) => {
          const { data } = await unwrap(
            session.client.GET('/v1/guests/{guestId}/snapshots', { params: { path: { guestId }, query } }),
          );
          proxmoxError ??= data.proxmoxError;
          return data;
        }, options.limit);
        session.printList(items, COLUMNS);
        // The list is then the service's records alone: say so, since Proxmox may hold others.
        if (proxmoxError)
          session.note(`Proxmox could not be read, only the recorded snapshots are listed: ${proxmoxError}`);
      }),
    );

  snapshots
    .command('get')
    .description('one snapshot record')
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .argument('<snapshot>', 'snapshot name')
    .action(
      act(context, async (session, args) => {
        const path = { guestId: first(args), snapshotId: second(args) };
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/guests/{guestId}/snapshots/{snapshotId}', { params: { path } }),
            )
          ).data,
        );
      }),
    );

  withWaitOptions(
    snapshots
      .command('create')
      .description('take a snapshot now (operator); prints the operation, or waits for it with --wait')
      .argument('<guest>', 'cluster/vmid (lab/101) or id')
      .argument('[name]', 'snapshot name (default manual-<date>-<time>-<4 characters>)')
      .option('--description <text>', 'description stored on Proxmox')
      .option('--memory', "include the VM's RAM state (VMs only)"),
  ).action(
    act<WaitOptions & { description?: string; memory?: boolean }>(context, async (session, args, options) => {
      const body = {
        ...(args[1] ? { name: args[1] } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.memory ? { includeMemory: true } : {}),
      };
      const { data } = await unwrap(
        session.client.POST('/v1/guests/{guestId}/snapshots', {
          params: { path: { guestId: first(args) } },
          body,
        }),
      );
      await startedOperation(session, data, options);
    }),
  );

  snapshots
    .command('update')
    .description("change a snapshot's description or pin it against retention (operator)")
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .argument('<snapshot>', 'snapshot name')
    .option('--description <text>', 'new description (written to Proxmox too)')
    .option('--protect', 'pin it: retention never prunes it')
    .option('--unprotect', 'unpin it')
    .action(
      act<{ description?: string; protect?: boolean; unprotect?: boolean }>(
        context,
        async (session, args, options) => {
          if (options.protect && options.unprotect)
            throw new CliError('--protect or --unprotect, not both', ExitCode.usage);
          const body = {
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(options.protect ? { protected: true } : options.unprotect ? { protected: false } : {}),
          };
          if (Object.keys(body).length === 0)
            throw new CliError('nothing to change: --description, --protect or --unprotect', ExitCode.usage);
          const path = { guestId: first(args), snapshotId: second(args) };
          session.print(
            (
              await unwrap(
                session.client.PATCH('/v1/guests/{guestId}/snapshots/{snapshotId}', {
                  params: { path },
                  body,
                }),
              )
            ).data,
          );
        },
      ),
    );

  withWaitOptions(
    snapshots
      .command('delete')
      .alias('rm')
      .description('delete a snapshot on Proxmox and its record (operator)')
      .argument('<guest>', 'cluster/vmid (lab/101) or id')
      .argument('<snapshot>', 'snapshot name'),
  ).action(
    act<WaitOptions>(context, async (session, args, options) => {
      const path = { guestId: first(args), snapshotId: second(args) };
      const { data } = await unwrap(
        session.client.DELETE('/v1/guests/{guestId}/snapshots/{snapshotId}', { params: { path } }),
      );
      await startedOperation(session, data, options);
    }),
  );

  withWaitOptions(
    snapshots
      .command('restore')
      .description(
        'roll the guest back to a snapshot (a safety snapshot first), or clone the snapshot into a new guest with --new-guest (operator)',
      )
      .argument('<guest>', 'cluster/vmid (lab/101) or id')
      .argument('<snapshot>', 'snapshot name')
      .option('--new-guest', 'clone the snapshot into a new guest instead of rolling back')
      .option('--vmid <vmid>', 'new guest: its vmid (default: the next free one)', integer)
      .option('--name <name>', 'new guest: its name')
      .option('--node <node>', 'new guest: its node')
      .option('--storage <storage>', 'new guest: its storage')
      .option('--pool <pool>', 'new guest: its pool')
      .option('--copy-tags', "new guest: keep the snapshot's tags (it may then join tag-selected policies)")
      .option('--no-safety-snapshot', 'in place: take no safety snapshot first')
      .option('--start', 'start the guest afterwards (in place default: if it was running)')
      .option('--no-start', 'leave the guest stopped afterwards'),
  ).action(
    act<RestoreOptions>(context, async (session, args, options) => {
      const path = { guestId: first(args), snapshotId: second(args) };
      const { data } = await unwrap(
        session.client.POST('/v1/guests/{guestId}/snapshots/{snapshotId}/restore', {
          params: { path },
          body: restoreBody(options),
        }),
      );
      await startedOperation(session, data, options);
    }),
  );

  snapshots
    .command('tree')
    .description(
      "the guest's snapshots as Proxmox links them (parents first), and where its present state stands",
    )
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .action(
      act(context, async (session, args) => {
        const { data } = await unwrap(
          session.client.GET('/v1/guests/{guestId}/snapshot-tree', {
            params: { path: { guestId: first(args) } },
          }),
        );
        if (session.output !== 'table') return session.print(data);
        session.context.stdout.write(drawTree(data));
      }),
    );
}

/** The tree as indented lines, Proxmox's "NOW" where the guest's present state hangs. */
function drawTree(tree: Schemas['SnapshotTree']): string {
  const byName = new Map(tree.snapshots.map((node) => [node.name, node]));
  const lines: string[] = [];
  const visit = (name: string, depth: number) => {
    const node = byName.get(name);
    if (!node) return;
    const marks = [node.origin, node.vmstate ? 'RAM' : '', node.protected ? 'protected' : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`${'  '.repeat(depth)}${node.name}  ${node.createdAt}  (${marks})`);
    for (const child of node.children) visit(child, depth + 1);
    if (node.current) lines.push(`${'  '.repeat(depth + 1)}NOW (the guest's present state)`);
  };
  for (const root of tree.roots) visit(root, 0);
  if (tree.snapshots.length === 0) lines.push('no snapshots; NOW');
  return `${lines.join('\n')}\n`;
}
