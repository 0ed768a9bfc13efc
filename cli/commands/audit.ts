import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll } from '../resolve.ts';
import { act } from './action.ts';

const COLUMNS: Column<Schemas['AuditEvent']>[] = [
  { header: 'AT', value: (event) => event.at },
  { header: 'ACTOR', value: (event) => event.actor },
  { header: 'ROLE', value: (event) => event.role },
  { header: 'ACTION', value: (event) => event.action },
  { header: 'RESOURCE', value: (event) => `${event.resourceType}/${event.resourceId}` },
  { header: 'OUTCOME', value: (event) => event.outcome },
  { header: 'REASON', value: (event) => event.reason },
];

interface AuditOptions {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: Schemas['AuditEvent']['outcome'];
  limit: number;
  csv?: boolean;
}

export function registerAuditCommands(program: Command, context: CliContext): void {
  const audit = program
    .command('audit')
    .description("your tenant's audit trail: who changed what, and who was refused");

  audit
    .command('list')
    .alias('ls')
    .description('audit events, newest first')
    .option('--from <time>', 'at or after (ISO 8601)')
    .option('--to <time>', 'at or before (ISO 8601)')
    .option('--actor <subject>', "only this actor (the token's subject)")
    .option('--action <action>', 'only this action, e.g. policy.update')
    .option('--resource-type <type>', 'only this kind of resource, e.g. policy (with --resource-id)')
    .option('--resource-id <id>', 'only this resource')
    .option('--outcome <outcome>', 'success, denied or failure')
    .option('--limit <n>', 'at most this many', integer, 100)
    .option('--csv', 'print CSV as the API exports it (one page of up to --limit rows)')
    .action(
      act<AuditOptions>(context, async (session, _args, options) => {
        const { limit, csv, ...filters } = options;
        if (csv) {
          const { data } = await unwrap(
            session.client.GET('/v1/audit', {
              params: { query: { ...filters, limit } },
              headers: { accept: 'text/csv' },
              parseAs: 'text',
            }),
          );
          session.context.stdout.write(data);
          return;
        }
        // The route also answers CSV, so the answer's type is either; without Accept it is JSON.
        const items = await listAll(
          async (page) =>
            (await unwrap(session.client.GET('/v1/audit', { params: { query: { ...filters, ...page } } })))
              .data as Schemas['AuditPage'],
          limit,
        );
        session.printList(items, COLUMNS);
      }),
    );
}
