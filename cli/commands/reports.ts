import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { paths } from '../../client/api-types.ts';
import type { CliContext, Session } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { clusterNames, guestName } from '../resolve.ts';
import { act } from './action.ts';

type Filters = { cluster?: string; node?: string; tag?: string; pool?: string; state?: string };

function filterOptions(command: Command, states: string): Command {
  return command
    .option('--cluster <cluster>', 'only this cluster (name or id)')
    .option('--node <node>', 'only this node')
    .option('--tag <tag>', 'only guests with this tag')
    .option('--pool <pool>', 'only guests of this pool')
    .option('--state <state>', `only guests in this state: ${states}`);
}

/** Every page of a paged report: the first page's summary with all the items. */
async function wholeReport<R extends { items: unknown[]; nextCursor?: string }>(
  fetchPage: (cursor: string | undefined) => Promise<R>,
): Promise<R> {
  const first = await fetchPage(undefined);
  const items = [...first.items];
  let cursor = first.nextCursor;
  while (cursor) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  }
  const { nextCursor: _last, ...summary } = first;
  return { ...summary, items } as R;
}

const policyNames = (policies: readonly { name: string; kind: string; enabled: boolean }[]) =>
  policies.map((policy) => `${policy.name} (${policy.kind}${policy.enabled ? '' : ', disabled'})`);

function kindCell(rpo: Schemas['KindRpo'] | undefined): string | undefined {
  if (!rpo) return undefined;
  const age = rpo.ageMinutes === undefined ? 'none yet' : `${rpo.ageMinutes} min old`;
  return `${rpo.state}${rpo.breached ? ' (breached)' : ''}, ${age}, every ${rpo.expectedMinutes} min`;
}

/** A report the API renders as a file (CSV, HTML) goes to `--out-file` or stdout as it came. */
async function saveText(session: Session, text: string, outFile: string | undefined): Promise<void> {
  if (!outFile) {
    session.context.stdout.write(text);
    return;
  }
  try {
    await writeFile(outFile, text);
  } catch (error) {
    throw new CliError(`cannot write ${outFile}: ${(error as Error).message}`, ExitCode.usage);
  }
  session.note(`wrote ${outFile} (${Buffer.byteLength(text)} bytes)`);
}

type ComplianceOptions = { from?: string; to?: string; format: 'json' | 'csv' | 'html'; outFile?: string };
type StatsQuery = NonNullable<paths['/v1/stats']['get']['parameters']['query']>;

export function registerReportCommands(program: Command, context: CliContext): void {
  const reports = program
    .command('reports')
    .alias('report')
    .description('coverage, recovery points (RPO), compliance and statistics');

  filterOptions(
    reports.command('coverage').description('which policies take each guest now, and the guests none takes'),
    'not-covered, only-disabled, excluded, overlapping, covered',
  ).action(
    act<Filters>(context, async (session, _args, filters) => {
      const query = filters as Omit<
        NonNullable<paths['/v1/reports/coverage']['get']['parameters']['query']>,
        'limit' | 'cursor' | 'format'
      >;
      const report = await wholeReport(
        async (cursor) =>
          (
            await unwrap(
              session.client.GET('/v1/reports/coverage', {
                params: { query: { ...query, limit: 200, ...(cursor ? { cursor } : {}) } },
              }),
            )
          ).data as Schemas['CoverageReport'],
      );
      if (session.output !== 'table') return session.print(report);
      const totals = report.totals;
      const names = await clusterNames(session.client);
      session.printList(report.items, [
        { header: 'GUEST', value: (guest) => guestName(names, guest) },
        { header: 'NAME', value: (guest) => guest.name },
        { header: 'NODE', value: (guest) => guest.node },
        { header: 'STATE', value: (guest) => guest.state },
        { header: 'POLICIES', value: (guest) => policyNames(guest.policies) },
      ]);
      session.note(
        `${totals.guests} guests: ${totals.covered} covered, ${totals.overlapping} overlapping, ${totals['only-disabled']} only by disabled policies, ${totals.excluded} excluded, ${totals['not-covered']} not covered`,
      );
    }),
  );

  filterOptions(
    reports.command('rpo').description("each guest's newest recovery point per kind against its objective"),
    'ok, late, missed, never',
  ).action(
    act<Filters>(context, async (session, _args, filters) => {
      const query = filters as Omit<
        NonNullable<paths['/v1/reports/rpo']['get']['parameters']['query']>,
        'limit' | 'cursor'
      >;
      const report = await wholeReport(
        async (cursor) =>
          (
            await unwrap(
              session.client.GET('/v1/reports/rpo', {
                params: { query: { ...query, limit: 200, ...(cursor ? { cursor } : {}) } },
              }),
            )
          ).data,
      );
      if (session.output !== 'table') return session.print(report);
      const names = await clusterNames(session.client);
      session.printList(report.items, [
        { header: 'GUEST', value: (guest) => guestName(names, guest) },
        { header: 'NAME', value: (guest) => guest.name },
        { header: 'SNAPSHOT', value: (guest) => kindCell(guest.snapshot) },
        { header: 'BACKUP', value: (guest) => kindCell(guest.backup) },
      ]);
      const breached = report.items.filter((guest) => guest.snapshot?.breached || guest.backup?.breached);
      session.note(`${report.items.length} guests under a policy, ${breached.length} breached`);
    }),
  );

  reports
    .command('compliance')
    .description('per policy and for the tenant: runs expected vs run, RPO met, retention, restores')
    .option('--from <time>', 'start of the period (ISO 8601; default 30 days before --to)')
    .option('--to <time>', 'end of the period (ISO 8601, exclusive; default now)')
    .option('--format <format>', 'json (printed with -o), csv or html (for an auditor)', 'json')
    .option('--out-file <path>', 'write the csv or html report to this file instead of stdout')
    .action(
      act<ComplianceOptions>(context, async (session, _args, options) => {
        const { format, outFile, ...period } = options;
        if (!['json', 'csv', 'html'].includes(format))
          throw new CliError(`--format must be json, csv or html, not ${format}`, ExitCode.usage);
        if (format === 'json') {
          const { data } = await unwrap(
            session.client.GET('/v1/reports/compliance', { params: { query: { ...period, format } } }),
          );
          if (!outFile) return session.print(data);
          return saveText(session, `${JSON.stringify(data, null, 2)}\n`, outFile);
        }
        const { data } = await unwrap(
          session.client.GET('/v1/reports/compliance', {
            params: { query: { ...period, format } },
            parseAs: 'text',
          }),
        );
        await saveText(session, data, outFile);
      }),
    );

  reports
    .command('stats')
    .description('runs by outcome, task durations per node, failure reasons, backup bytes over time')
    .option('--from <time>', 'start of the period (ISO 8601; default 30 days before --to)')
    .option('--to <time>', 'end of the period (ISO 8601, exclusive; default now)')
    .option('--bucket <bucket>', 'hour or day', 'day')
    .action(
      act<StatsQuery>(context, async (session, _args, query) => {
        session.print((await unwrap(session.client.GET('/v1/stats', { params: { query } }))).data);
      }),
    );
}
