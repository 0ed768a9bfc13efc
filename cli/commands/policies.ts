import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { integer, readDocument } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy } from '../resolve.ts';
import { type WaitSettings, waitForRun, withWaitOptions } from '../wait.ts';
import { act, collect, first } from './action.ts';

const COLUMNS: Column<Schemas['Policy']>[] = [
  { header: 'ID', value: (policy) => policy.id },
  { header: 'NAME', value: (policy) => policy.name },
  { header: 'ENABLED', value: (policy) => (policy.enabled === false ? 'no' : 'yes') },
  { header: 'CRON', value: (policy) => policy.schedule.cron },
  { header: 'TIMEZONE', value: (policy) => policy.schedule.timezone },
  { header: 'SELECTOR', value: (policy) => policy.selector },
  { header: 'RETENTION', value: (policy) => policy.retention },
];

interface SpecOptions {
  file?: string;
  name?: string;
  description?: string;
  cron?: string;
  timezone?: string;
  tag?: string[];
  guest?: string[];
  pool?: string[];
  node?: string[];
  all?: boolean;
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  enable?: boolean;
  disable?: boolean;
}

const RETENTION_FLAGS = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;

function specOptions(command: Command): Command {
  command
    .option('-f, --file <path>', 'the policy as JSON or YAML (- for stdin); the options below change it')
    .option('--name <name>', 'policy name')
    .option('--description <text>', 'description')
    .option('--cron <expression>', '5-field crontab schedule, e.g. "0 2 * * *"')
    .option('--timezone <zone>', 'IANA time zone of the schedule, e.g. Europe/Berlin')
    .option('--tag <tag>', 'select guests with this tag (repeatable)', collect)
    .option('--guest <guest>', 'select this guest, lab/101 or id (repeatable)', collect)
    .option('--pool <pool>', 'select guests of this pool (repeatable)', collect)
    .option('--node <node>', 'select guests on this node (repeatable)', collect)
    .option('--all', 'select every guest');
  for (const flag of RETENTION_FLAGS) {
    const name = flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    command.option(`--${name} <n>`, `retention: ${name.replace('keep-', 'keep ')} snapshots`, integer);
  }
  return command.option('--enable', 'enable the schedule').option('--disable', 'disable the schedule');
}

/** The file's document with the flags laid over it (as a merge patch: only what was given). */
async function specFrom(context: CliContext, options: SpecOptions): Promise<Record<string, unknown>> {
  if (options.enable && options.disable)
    throw new CliError('--enable or --disable, not both', ExitCode.usage);
  const base = options.file ? await readDocument(context, options.file) : {};
  const spec: Record<string, unknown> = { ...base };
  const part = (name: string) => ({ ...((spec[name] as Record<string, unknown> | undefined) ?? {}) });
  if (options.name !== undefined) spec.name = options.name;
  if (options.description !== undefined) spec.description = options.description;
  if (options.enable || options.disable) spec.enabled = Boolean(options.enable);
  if (options.cron !== undefined || options.timezone !== undefined)
    spec.schedule = {
      ...part('schedule'),
      ...(options.cron !== undefined ? { cron: options.cron } : {}),
      ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
    };
  const selector = {
    ...(options.tag ? { tags: options.tag } : {}),
    ...(options.guest ? { guests: options.guest } : {}),
    ...(options.pool ? { pools: options.pool } : {}),
    ...(options.node ? { nodes: options.node } : {}),
    ...(options.all ? { all: true } : {}),
  };
  if (Object.keys(selector).length > 0) spec.selector = { ...part('selector'), ...selector };
  const retention = Object.fromEntries(
    RETENTION_FLAGS.filter((flag) => options[flag] !== undefined).map((flag) => [flag, options[flag]]),
  );
  if (Object.keys(retention).length > 0) spec.retention = { ...part('retention'), ...retention };
  return spec;
}

export function registerPolicyCommands(program: Command, context: CliContext): void {
  const policies = program
    .command('policies')
    .alias('policy')
    .description('snapshot policies: schedule, guest selection, retention; run now');

  policies
    .command('list')
    .alias('ls')
    .description('list policies')
    .action(
      act(context, async (session) => {
        const items = await listAll(
          async (query) => (await unwrap(session.client.GET('/v1/policies', { params: { query } }))).data,
        );
        session.printList(items, COLUMNS);
      }),
    );

  policies
    .command('get')
    .description('show one policy')
    .argument('<policy>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const policyId = await resolvePolicy(session.client, first(args));
        session.print(
          (await unwrap(session.client.GET('/v1/policies/{policyId}', { params: { path: { policyId } } })))
            .data,
        );
      }),
    );

  specOptions(
    policies
      .command('create')
      .description('create a policy from a file and/or options (admin)')
      .addHelpText(
        'after',
        '\nExample:\n  pvesnap policies create --name nightly --cron "0 2 * * *" --timezone Europe/Berlin --tag prod --keep-daily 7',
      ),
  ).action(
    act<SpecOptions>(context, async (session, _args, options) => {
      const body = (await specFrom(session.context, options)) as Schemas['PolicyInput'];
      session.print((await unwrap(session.client.POST('/v1/policies', { body }))).data);
    }),
  );

  specOptions(
    policies
      .command('update')
      .description(
        'change a policy: the file is a JSON Merge Patch (null removes a field); options change single fields (admin)',
      )
      .argument('<policy>', 'name or id'),
  ).action(
    act<SpecOptions>(context, async (session, args, options) => {
      const policyId = await resolvePolicy(session.client, first(args));
      const body = await specFrom(session.context, options);
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give --file or an option', ExitCode.usage);
      session.print(
        (
          await unwrap(
            session.client.PATCH('/v1/policies/{policyId}', { params: { path: { policyId } }, body }),
          )
        ).data,
      );
    }),
  );

  policies
    .command('delete')
    .alias('rm')
    .description('delete a policy and its schedule (admin)')
    .argument('<policy>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const policyId = await resolvePolicy(session.client, first(args));
        await unwrap(session.client.DELETE('/v1/policies/{policyId}', { params: { path: { policyId } } }));
        session.note(`deleted policy ${policyId}`);
      }),
    );

  withWaitOptions(
    policies
      .command('run')
      .description('run the policy now (operator); prints the run, or waits for it with --wait')
      .argument('<policy>', 'name or id'),
  ).action(
    act<{ wait?: boolean } & WaitSettings>(context, async (session, args, options) => {
      const policyId = await resolvePolicy(session.client, first(args));
      const { data } = await unwrap(
        session.client.POST('/v1/policies/{policyId}/runs', { params: { path: { policyId } } }),
      );
      if (options.wait) return waitForRun(session, data.id, options);
      session.print(data);
      session.note(`started run ${data.id}; follow it with: pvesnap runs wait ${data.id}`);
    }),
  );

  policies
    .command('next-runs')
    .description('the next times the policy fires')
    .argument('<policy>', 'name or id')
    .option('--count <n>', 'how many (1-100)', integer, 5)
    .action(
      act<{ count: number }>(context, async (session, args, options) => {
        const policyId = await resolvePolicy(session.client, first(args));
        const { data } = await unwrap(
          session.client.GET('/v1/policies/{policyId}/next-runs', {
            params: { path: { policyId }, query: { count: options.count } },
          }),
        );
        if (session.output !== 'table') return session.print(data);
        session.printList(data.runs, [
          { header: 'AT (UTC)', value: (run) => run.at },
          { header: `LOCAL (${data.timezone})`, value: (run) => run.local },
        ]);
      }),
    );

  policies
    .command('targets')
    .description('the guests the policy would snapshot now, and why the others not')
    .argument('<policy>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const policyId = await resolvePolicy(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/policies/{policyId}/targets', { params: { path: { policyId } } }),
            )
          ).data,
        );
      }),
    );

  policies
    .command('retention-preview')
    .description("per guest, which of the policy's snapshots retention would keep now, and why")
    .argument('<policy>', 'name or id')
    .option('--guest <guest>', 'only this guest (lab/101 or id)')
    .action(
      act<{ guest?: string }>(context, async (session, args, options) => {
        const policyId = await resolvePolicy(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/policies/{policyId}/retention-preview', {
                params: { path: { policyId }, query: options.guest ? { guestId: options.guest } : {} },
              }),
            )
          ).data,
        );
      }),
    );
}
