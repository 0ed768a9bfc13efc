import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy } from '../resolve.ts';
import {
  type ScheduledSpecOptions,
  scheduledSpecFrom,
  scheduledSpecOptions,
  specPart,
} from '../spec-options.ts';
import { type WaitSettings, waitForRun, withWaitOptions } from '../wait.ts';
import { act, first } from './action.ts';

const COLUMNS: Column<Schemas['Policy']>[] = [
  { header: 'ID', value: (policy) => policy.id },
  { header: 'NAME', value: (policy) => policy.name },
  { header: 'KIND', value: (policy) => policy.kind ?? 'snapshot' },
  { header: 'ENABLED', value: (policy) => (policy.enabled === false ? 'no' : 'yes') },
  { header: 'CRON', value: (policy) => policy.schedule.cron },
  { header: 'TIMEZONE', value: (policy) => policy.schedule.timezone },
  { header: 'SELECTOR', value: (policy) => policy.selector },
  { header: 'RETENTION', value: (policy) => policy.retention },
];

interface SpecOptions extends ScheduledSpecOptions {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  kind?: string;
  storage?: string;
  mode?: string;
  compress?: string;
  notesTemplate?: string;
  protectArchives?: boolean;
  bwlimit?: number;
  perNode?: number;
  rpo?: number;
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
  scheduledSpecOptions(command, 'policy');
  for (const flag of RETENTION_FLAGS) {
    const name = flag.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    command.option(`--${name} <n>`, `retention: ${name.replace('keep-', 'keep ')} snapshots`, integer);
  }
  return command
    .option('--kind <kind>', 'snapshot (default) or backup (vzdump archives; needs --storage)')
    .option('--storage <storage>', 'backup: target storage with content backup, e.g. backup-nfs')
    .option('--mode <mode>', 'backup: snapshot (default), suspend or stop')
    .option('--compress <compress>', 'backup: zstd (default), lzo, gzip or none')
    .option('--notes-template <template>', 'backup: archive notes, e.g. "{{guestname}} on {{node}}"')
    .option('--protect-archives', 'backup: mark each new archive protected')
    .option('--bwlimit <KiBps>', 'backup: bandwidth limit in KiB/s', integer)
    .option('--per-node <n>', 'at most this many guests at once per node (default 2, backups 1)', integer)
    .option(
      '--rpo <minutes>',
      'recovery-point objective in minutes (default: the longest gap of the schedule)',
      integer,
    );
}

/** The backup options given as flags (any of them makes the policy a backup policy unless --kind says). */
function backupOptions(options: SpecOptions): Record<string, unknown> {
  return {
    ...(options.storage !== undefined ? { storage: options.storage } : {}),
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    ...(options.compress !== undefined ? { compress: options.compress } : {}),
    ...(options.notesTemplate !== undefined ? { notesTemplate: options.notesTemplate } : {}),
    ...(options.protectArchives ? { protected: true } : {}),
    ...(options.bwlimit !== undefined ? { bwlimitKiBps: options.bwlimit } : {}),
  };
}

/** The file's document with the flags laid over it (as a merge patch: only what was given). */
async function specFrom(context: CliContext, options: SpecOptions): Promise<Record<string, unknown>> {
  const spec = await scheduledSpecFrom(context, options);
  const part = (name: string) => specPart(spec, name);
  const retention = Object.fromEntries(
    RETENTION_FLAGS.filter((flag) => options[flag] !== undefined).map((flag) => [flag, options[flag]]),
  );
  if (Object.keys(retention).length > 0) spec.retention = { ...part('retention'), ...retention };
  if (options.kind !== undefined) spec.kind = options.kind;
  const backup = backupOptions(options);
  if (Object.keys(backup).length > 0) {
    spec.backup = { ...part('backup'), ...backup };
    spec.kind ??= 'backup';
  }
  if (options.perNode !== undefined) spec.concurrency = { ...part('concurrency'), perNode: options.perNode };
  if (options.rpo !== undefined) spec.rpo = options.rpo;
  return spec;
}

export function registerPolicyCommands(program: Command, context: CliContext): void {
  const policies = program
    .command('policies')
    .alias('policy')
    .description('snapshot and backup policies: schedule, guest selection, retention; run now, dry run');

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
        '\nExamples:\n  pvesnap policies create --name nightly --cron "0 2 * * *" --timezone Europe/Berlin --tag prod --keep-daily 7\n  pvesnap policies create --name nightly-backup --kind backup --storage backup-nfs --cron "0 3 * * *" --tag prod --keep-daily 7',
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

  policies
    .command('dry-run')
    .description(
      'the plan of a run now, without running it: targets, lanes per node, expected time, what retention would delete (operator)',
    )
    .argument('<policy>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const policyId = await resolvePolicy(session.client, first(args));
        const { data } = await unwrap(
          session.client.POST('/v1/policies/{policyId}/dry-run', { params: { path: { policyId } } }),
        );
        if (session.output !== 'table') return session.print(data);
        session.context.stdout.write(describePlan(data));
        session.printList(data.lanes, [
          { header: 'NODE', value: (lane) => lane.node },
          { header: 'AT ONCE', value: (lane) => lane.perNode },
          { header: 'GUESTS', value: (lane) => lane.guests.map((guest) => guest.vmid) },
          { header: 'EXPECTED', value: (lane) => seconds(lane.expectedSeconds) },
        ]);
      }),
    );
}

const seconds = (value: number | undefined) => (value === undefined ? 'unknown' : `${Math.round(value)} s`);

/** A dry run in sentences: what a run now would take, and what retention would then delete. */
function describePlan(plan: Schemas['DryRunPlan']): string {
  const left = new Map<string, number>();
  for (const guest of plan.notIncluded) left.set(guest.reason, (left.get(guest.reason) ?? 0) + 1);
  const deletions = plan.retention.flatMap((guest) => guest.delete);
  return [
    `a run of ${plan.policyName} now would take ${plan.targets.length} guest(s) (${plan.targets.map((target) => target.vmid).join(', ') || 'none'}) in ${plan.lanes.length} lane(s), expected ${seconds(plan.expectedSeconds)}`,
    `left out: ${[...left].map(([reason, count]) => `${count} ${reason}`).join(', ') || 'none'}`,
    `retention would delete: ${deletions.map((item) => `${item.name} (${item.reason}${item.inThisRun ? '' : ', by the sweep'})`).join(', ') || 'nothing'}`,
    '',
  ].join('\n');
}
