import { type Command, Option } from 'commander';
import { type ApiClient, type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext, Session } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy, resolveRestoreTest } from '../resolve.ts';
import {
  type ScheduledSpecOptions,
  scheduledSpecFrom,
  scheduledSpecOptions,
  specPart,
} from '../spec-options.ts';
import { type WaitSettings, waitForRestoreTestRun, withWaitOptions } from '../wait.ts';
import { act, first } from './action.ts';

type RestoreTestRun = Schemas['RestoreTestRun'];
type RestoreTestItem = Schemas['RestoreTestItem'];

const COLUMNS: Column<Schemas['RestoreTest']>[] = [
  { header: 'ID', value: (test) => test.id },
  { header: 'NAME', value: (test) => test.name },
  { header: 'SOURCE', value: (test) => test.source },
  { header: 'ENABLED', value: (test) => (test.enabled ? 'yes' : 'no') },
  { header: 'CRON', value: (test) => test.schedule.cron },
  { header: 'TIMEZONE', value: (test) => test.schedule.timezone },
  { header: 'SELECTOR', value: (test) => test.selector },
  { header: 'SAMPLE', value: (test) => test.sample },
];

const proven = (run: RestoreTestRun) => (run.items ?? []).filter((item) => item.outcome === 'succeeded');

const RUN_COLUMNS: Column<RestoreTestRun>[] = [
  { header: 'ID', value: (run) => run.id },
  { header: 'TEST', value: (run) => run.testName },
  { header: 'TRIGGER', value: (run) => run.trigger },
  { header: 'STATUS', value: (run) => run.status },
  { header: 'GUESTS', value: (run) => run.items?.length ?? 0 },
  { header: 'PROVEN', value: (run) => proven(run).length },
  { header: 'STARTED', value: (run) => run.startedAt },
  { header: 'ENDED', value: (run) => run.endedAt },
];

const point = (item: RestoreTestItem) =>
  item.point === undefined
    ? undefined
    : item.point.kind === 'snapshot'
      ? `snapshot ${item.point.name}`
      : `backup ${item.point.volid}`;

/** The proof, one row per guest: what was restored, how fast, what answered, and that the copy is gone. */
const PROOF_COLUMNS: Column<RestoreTestItem>[] = [
  { header: 'GUEST', value: (item) => `${item.guestName} (${item.vmid})` },
  { header: 'POINT', value: point },
  { header: 'OUTCOME', value: (item) => item.outcome ?? item.phase },
  { header: 'TEST VMID', value: (item) => item.testVmid },
  { header: 'RESTORE S', value: (item) => item.restoreSeconds },
  { header: 'BOOT S', value: (item) => item.bootSeconds },
  { header: 'PROOF', value: (item) => item.checkOutput ?? item.reason },
  { header: 'LINKS DOWN', value: (item) => (item.isolation ? Object.keys(item.isolation) : undefined) },
  { header: 'DESTROYED', value: (item) => (item.destroyed ? 'yes' : (item.destroyError ?? 'no')) },
];

interface SpecOptions extends ScheduledSpecOptions {
  policy?: string;
  source?: string;
  sample?: number;
  targetNode?: string;
  targetStorage?: string;
  bootTimeout?: number;
}

function specOptions(command: Command): Command {
  return scheduledSpecOptions(command, 'restore test')
    .option('--policy <policy>', 'select the guests this policy selects (a copy of its selector; name or id)')
    .addOption(
      new Option(
        '--source <source>',
        'snapshot (default: the newest good snapshot) or backup (the newest archive)',
      ).choices(['snapshot', 'backup']),
    )
    .option('--sample <n>', 'test a random sample of this many selected guests per run', integer)
    .option('--target-node <node>', "node of the test guests (default: each guest's own)")
    .option('--target-storage <storage>', "storage of the test guests' disks")
    .option(
      '--boot-timeout <seconds>',
      'how long a test guest has to show a proof of life (30-3600)',
      integer,
    );
}

async function specFrom(session: Session, options: SpecOptions): Promise<Record<string, unknown>> {
  const spec = await scheduledSpecFrom(session.context, options);
  if (options.policy !== undefined) {
    const policyId = await resolvePolicy(session.client, options.policy);
    const { data } = await unwrap(
      session.client.GET('/v1/policies/{policyId}', { params: { path: { policyId } } }),
    );
    spec.selector = { ...data.selector, ...specPart(spec, 'selector') };
  }
  if (options.source !== undefined) spec.source = options.source;
  if (options.sample !== undefined) spec.sample = options.sample;
  if (options.targetNode !== undefined || options.targetStorage !== undefined)
    spec.target = {
      ...specPart(spec, 'target'),
      ...(options.targetNode !== undefined ? { node: options.targetNode } : {}),
      ...(options.targetStorage !== undefined ? { storage: options.targetStorage } : {}),
    };
  if (options.bootTimeout !== undefined) spec.bootTimeoutSeconds = options.bootTimeout;
  return spec;
}

const RUN_ID = /^rtr_/;

/** A run by id, or the newest run of a test (name or id). */
async function runOf(client: ApiClient, reference: string): Promise<RestoreTestRun> {
  const runId = RUN_ID.test(reference)
    ? reference
    : (await newestRuns(client, await resolveRestoreTest(client, reference), 1))[0]?.id;
  if (!runId) throw new CliError(`restore test ${reference} has not run yet`, ExitCode.notFound);
  return (await unwrap(client.GET('/v1/restore-test-runs/{runId}', { params: { path: { runId } } }))).data;
}

const newestRuns = (client: ApiClient, restoreTest: string, limit: number) =>
  listAll(
    async (page) =>
      (await unwrap(client.GET('/v1/restore-test-runs', { params: { query: { ...page, restoreTest } } })))
        .data,
    limit,
  );

export function registerRestoreTestCommands(program: Command, context: CliContext): void {
  const tests = program
    .command('restore-tests')
    .alias('restore-test')
    .description(
      'restore tests: restore recovery points to isolated guests on a schedule, prove they boot, destroy them',
    );

  tests
    .command('list')
    .alias('ls')
    .description('list restore tests')
    .action(
      act(context, async (session) => {
        const items = await listAll(
          async (query) =>
            (await unwrap(session.client.GET('/v1/restore-tests', { params: { query } }))).data,
        );
        session.printList(items, COLUMNS);
      }),
    );

  tests
    .command('get')
    .description('show one restore test')
    .argument('<test>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const restoreTestId = await resolveRestoreTest(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/restore-tests/{restoreTestId}', {
                params: { path: { restoreTestId } },
              }),
            )
          ).data,
        );
      }),
    );

  specOptions(
    tests
      .command('create')
      .description('create a restore test from a file and/or options (admin)')
      .addHelpText(
        'after',
        '\nExamples:\n  pvesnap restore-tests create --name weekly-proof --cron "0 4 * * 0" --guest lab/100 --guest lab/200\n  pvesnap restore-tests create --name backups-proof --policy nightly-backup --source backup --sample 2 --cron "0 5 * * 0"',
      ),
  ).action(
    act<SpecOptions>(context, async (session, _args, options) => {
      const body = (await specFrom(session, options)) as Schemas['RestoreTestSpec'];
      session.print((await unwrap(session.client.POST('/v1/restore-tests', { body }))).data);
    }),
  );

  specOptions(
    tests
      .command('update')
      .description(
        'change a restore test: the file is a JSON Merge Patch (null removes a field); options change single fields (admin)',
      )
      .argument('<test>', 'name or id'),
  ).action(
    act<SpecOptions>(context, async (session, args, options) => {
      const restoreTestId = await resolveRestoreTest(session.client, first(args));
      const body = await specFrom(session, options);
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give --file or an option', ExitCode.usage);
      session.print(
        (
          await unwrap(
            session.client.PATCH('/v1/restore-tests/{restoreTestId}', {
              params: { path: { restoreTestId } },
              body,
            }),
          )
        ).data,
      );
    }),
  );

  tests
    .command('delete')
    .alias('rm')
    .description('delete a restore test and its schedule; its runs stay in the history (admin)')
    .argument('<test>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const restoreTestId = await resolveRestoreTest(session.client, first(args));
        await unwrap(
          session.client.DELETE('/v1/restore-tests/{restoreTestId}', { params: { path: { restoreTestId } } }),
        );
        session.note(`deleted restore test ${restoreTestId}`);
      }),
    );

  withWaitOptions(
    tests
      .command('run')
      .description('run the restore test now (operator); prints the run, or waits for it with --wait')
      .argument('<test>', 'name or id'),
  ).action(
    act<{ wait?: boolean } & WaitSettings>(context, async (session, args, options) => {
      const restoreTestId = await resolveRestoreTest(session.client, first(args));
      const { data } = await unwrap(
        session.client.POST('/v1/restore-tests/{restoreTestId}/run', { params: { path: { restoreTestId } } }),
      );
      if (options.wait) return waitForRestoreTestRun(session, data.id, options);
      session.print(data);
      session.note(
        `started restore-test run ${data.id}; follow it with: pvesnap restore-tests wait ${data.id}`,
      );
    }),
  );

  withWaitOptions(
    tests
      .command('wait')
      .description('wait for a restore-test run to end; exit 6 unless every guest was proven')
      .argument('<run>', 'run id (rtr_…)'),
    false,
  ).action(
    act<WaitSettings>(context, async (session, args, options) =>
      waitForRestoreTestRun(session, first(args), options),
    ),
  );

  tests
    .command('runs')
    .description("a restore test's runs, newest first")
    .argument('<test>', 'name or id')
    .option('--limit <n>', 'at most this many', integer, 20)
    .action(
      act<{ limit: number }>(context, async (session, args, options) => {
        const restoreTestId = await resolveRestoreTest(session.client, first(args));
        session.printList(await newestRuns(session.client, restoreTestId, options.limit), RUN_COLUMNS);
      }),
    );

  tests
    .command('proof')
    .description(
      "a run's proof per guest: the point restored, restore and boot times, what answered, links down, copy destroyed",
    )
    .argument('<run-or-test>', 'a run id (rtr_…), or a test (name or id) for its newest run')
    .action(
      act(context, async (session, args) => {
        const run = await runOf(session.client, first(args));
        if (session.output !== 'table') return session.print(run);
        session.context.stdout.write(
          `restore-test run ${run.id} (${run.testName}): ${run.status}, ${proven(run).length} of ${run.items?.length ?? 0} guests proven${run.reason ? `; ${run.reason}` : ''}\n`,
        );
        session.printList(run.items ?? [], PROOF_COLUMNS);
      }),
    );
}
