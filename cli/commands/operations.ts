import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll } from '../resolve.ts';
import { type WaitSettings, waitForOperation, withWaitOptions } from '../wait.ts';
import { act, first } from './action.ts';

const COLUMNS: Column<Schemas['Operation']>[] = [
  { header: 'ID', value: (operation) => operation.id },
  { header: 'KIND', value: (operation) => operation.kind },
  { header: 'GUEST', value: (operation) => operation.guestId },
  { header: 'SNAPSHOT', value: (operation) => operation.snapshotName },
  { header: 'STATUS', value: (operation) => operation.status },
  { header: 'CREATED', value: (operation) => operation.createdAt },
  { header: 'ERROR', value: (operation) => operation.error },
];

type Filters = Pick<Schemas['Operation'], 'kind' | 'status'>;

export function registerOperationCommands(program: Command, context: CliContext): void {
  const operations = program
    .command('operations')
    .alias('operation')
    .description('snapshots taken by hand, deletions and restores, and how they went');

  operations
    .command('list')
    .alias('ls')
    .description('list operations, newest first')
    .option('--guest <guest>', 'only this guest (lab/101 or id)')
    .option('--kind <kind>', 'snapshot, delete-snapshot, restore-in-place or restore-new-guest')
    .option('--status <status>', 'pending, running, succeeded or failed')
    .option('--limit <n>', 'at most this many', integer, 50)
    .action(
      act<Partial<Filters> & { guest?: string; limit: number }>(context, async (session, _args, options) => {
        const { limit, ...filters } = options;
        const items = await listAll(
          async (page) =>
            (
              await unwrap(
                session.client.GET('/v1/operations', { params: { query: { ...page, ...filters } } }),
              )
            ).data,
          limit,
        );
        session.printList(items, COLUMNS);
      }),
    );

  operations
    .command('get')
    .description('one operation: its steps, plan, result or error')
    .argument('<operation>', 'operation id')
    .action(
      act(context, async (session, args) => {
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/operations/{operationId}', {
                params: { path: { operationId: first(args) } },
              }),
            )
          ).data,
        );
      }),
    );

  withWaitOptions(
    operations
      .command('wait')
      .description('wait for an operation to end, with a progress line on stderr; exit 6 if it failed')
      .argument('<operation>', 'operation id'),
    false,
  ).action(
    act<WaitSettings>(context, async (session, args, options) =>
      waitForOperation(session, first(args), options),
    ),
  );
}
