import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { paths } from '../../client/api-types.ts';
import type { CliContext } from '../context.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { clusterNames, listAll } from '../resolve.ts';
import { act, first } from './action.ts';

function columns(names: Map<string, string>): Column<Schemas['Guest']>[] {
  return [
    { header: 'GUEST', value: (guest) => `${names.get(guest.clusterId) ?? guest.clusterId}/${guest.vmid}` },
    { header: 'ID', value: (guest) => guest.id },
    { header: 'NAME', value: (guest) => guest.name },
    { header: 'TYPE', value: (guest) => guest.type },
    { header: 'NODE', value: (guest) => guest.node },
    { header: 'STATUS', value: (guest) => (guest.gone ? 'gone' : guest.status) },
    { header: 'TAGS', value: (guest) => guest.tags },
    { header: 'POOL', value: (guest) => guest.pool },
    { header: 'LOCK', value: (guest) => guest.lock },
  ];
}

/** The route's filters, but `--include-gone` a flag and `--limit` over all pages. */
type ListOptions = Omit<
  NonNullable<paths['/v1/guests']['get']['parameters']['query']>,
  'limit' | 'cursor' | 'includeGone'
> & { includeGone?: boolean; limit?: number };

export function registerGuestCommands(program: Command, context: CliContext): void {
  const guests = program
    .command('guests')
    .alias('guest')
    .description('the VMs and containers of your clusters (as last synced)');

  guests
    .command('list')
    .alias('ls')
    .description('list guests')
    .option('--cluster <cluster>', 'only this cluster (name or id)')
    .option('--node <node>', 'only this node')
    .option('--type <type>', 'qemu or lxc')
    .option('--tag <tag>', 'only guests with this tag')
    .option('--pool <pool>', 'only this pool')
    .option('--status <status>', 'running, stopped, ...')
    .option('--include-gone', 'also guests no longer on their cluster')
    .option('--limit <n>', 'at most this many', integer)
    .action(
      act<ListOptions>(context, async (session, _args, options) => {
        const { limit, includeGone, ...filters } = options;
        const items = await listAll(
          async (page) =>
            (
              await unwrap(
                session.client.GET('/v1/guests', {
                  params: {
                    query: { ...page, ...filters, ...(includeGone ? { includeGone: 'true' as const } : {}) },
                  },
                }),
              )
            ).data,
          limit,
        );
        session.printList(
          items,
          columns(session.output === 'table' ? await clusterNames(session.client) : new Map()),
        );
      }),
    );

  guests
    .command('get')
    .description('show one guest')
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .action(
      act(context, async (session, args) => {
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/guests/{guestId}', { params: { path: { guestId: first(args) } } }),
            )
          ).data,
        );
      }),
    );
}
