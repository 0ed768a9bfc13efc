import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy } from '../resolve.ts';
import { act, first } from './action.ts';

const COLUMNS: Column<Schemas['Exclusion']>[] = [
  { header: 'ID', value: (exclusion) => exclusion.id },
  { header: 'GUEST', value: (exclusion) => exclusion.guestId },
  { header: 'POLICY', value: (exclusion) => exclusion.policyId ?? 'all' },
  { header: 'REASON', value: (exclusion) => exclusion.reason },
  { header: 'EXPIRES', value: (exclusion) => exclusion.expiresAt },
];

export function registerExclusionCommands(program: Command, context: CliContext): void {
  const exclusions = program
    .command('exclusions')
    .alias('exclusion')
    .description('guests kept out of one policy or all, for a reason and until a time');

  exclusions
    .command('list')
    .alias('ls')
    .description('exclusions in force')
    .option('--guest <guest>', 'only this guest (lab/101 or id)')
    .option('--policy <policy>', 'only this policy (name or id)')
    .action(
      act<{ guest?: string; policy?: string }>(context, async (session, _args, options) => {
        const policyId = options.policy ? await resolvePolicy(session.client, options.policy) : undefined;
        const filters = {
          ...(options.guest ? { guestId: options.guest } : {}),
          ...(policyId ? { policyId } : {}),
        };
        const items = await listAll(
          async (page) =>
            (
              await unwrap(
                session.client.GET('/v1/exclusions', { params: { query: { ...page, ...filters } } }),
              )
            ).data,
        );
        session.printList(items, COLUMNS);
      }),
    );

  exclusions
    .command('create')
    .description('keep a guest out of a policy, or of every policy (admin)')
    .argument('<guest>', 'cluster/vmid (lab/101) or id')
    .requiredOption('--reason <text>', 'why (shown in the policy targets preview)')
    .option('--policy <policy>', 'only this policy (name or id); default: every policy')
    .option('--expires <time>', 'when it stops applying (ISO 8601)')
    .action(
      act<{ reason: string; policy?: string; expires?: string }>(context, async (session, args, options) => {
        const policyId = options.policy ? await resolvePolicy(session.client, options.policy) : undefined;
        const body = {
          guestId: first(args),
          reason: options.reason,
          ...(policyId ? { policyId } : {}),
          ...(options.expires ? { expiresAt: options.expires } : {}),
        };
        session.print((await unwrap(session.client.POST('/v1/exclusions', { body }))).data);
      }),
    );

  exclusions
    .command('delete')
    .alias('rm')
    .description('end an exclusion (admin)')
    .argument('<exclusion>', 'exclusion id')
    .action(
      act(context, async (session, args) => {
        await unwrap(
          session.client.DELETE('/v1/exclusions/{exclusionId}', {
            params: { path: { exclusionId: first(args) } },
          }),
        );
        session.note(`deleted exclusion ${first(args)}`);
      }),
    );
}
