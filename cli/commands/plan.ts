import type { Command } from 'commander';
import { unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { act, first, second } from './action.ts';

/**
 * The service operator's plan commands: they need the operator's credential (scope
 * `pve-snapshots/operator`, e.g. `npm run --silent token -- --operator` locally); a tenant's token
 * is refused (exit 4).
 */
export function registerPlanCommands(program: Command, context: CliContext): void {
  const plan = program
    .command('plan')
    .description("a tenant's service plan (the service operator's credential, not a tenant token)");

  plan
    .command('show')
    .description('show the plan a tenant is on')
    .argument('<tenant>', 'tenant id')
    .action(
      act(context, async (session, args) => {
        const tenantId = first(args);
        const { data } = await unwrap(
          session.client.GET('/operator/tenants/{tenantId}/plan', { params: { path: { tenantId } } }),
        );
        session.print(data);
      }),
    );

  plan
    .command('set')
    .description('put a tenant on a plan (audited in its trail; nothing it holds is deleted)')
    .argument('<tenant>', 'tenant id')
    .argument('<plan>', 'plan name, e.g. free, standard, dedicated')
    .action(
      act(context, async (session, args) => {
        const tenantId = first(args);
        const { data } = await unwrap(
          session.client.PUT('/operator/tenants/{tenantId}/plan', {
            params: { path: { tenantId } },
            body: { plan: second(args) },
          }),
        );
        if (data.previous === data.plan) session.note(`${tenantId} was already on ${data.plan}`);
        session.print(data);
      }),
    );
}
