import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { integer } from '../input.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy } from '../resolve.ts';
import { printRun, type WaitSettings, waitForRun, withWaitOptions } from '../wait.ts';
import { act, first } from './action.ts';

const COLUMNS: Column<Schemas['Run']>[] = [
  { header: 'ID', value: (run) => run.id },
  { header: 'POLICY', value: (run) => run.policyName },
  { header: 'TRIGGER', value: (run) => run.trigger },
  { header: 'STATUS', value: (run) => run.status },
  { header: 'TARGETS', value: (run) => run.targets },
  { header: 'OK', value: (run) => run.succeeded },
  { header: 'FAILED', value: (run) => run.failed },
  { header: 'SCHEDULED', value: (run) => run.scheduledTime },
  { header: 'FINISHED', value: (run) => run.finishedAt },
];

type RunStatus = Schemas['Run']['status'];

export function registerRunCommands(program: Command, context: CliContext): void {
  const runs = program
    .command('runs')
    .alias('run')
    .description('policy runs: progress, per-guest results, cancel');

  runs
    .command('list')
    .alias('ls')
    .description('list runs, newest first')
    .option('--policy <policy>', 'only runs of this policy (name or id)')
    .option('--status <status>', 'running, succeeded, partially_failed, failed, skipped or cancelled')
    .option('--from <time>', 'scheduled at or after (ISO 8601)')
    .option('--to <time>', 'scheduled at or before (ISO 8601)')
    .option('--limit <n>', 'at most this many', integer, 50)
    .action(
      act<{ policy?: string; status?: RunStatus; from?: string; to?: string; limit: number }>(
        context,
        async (session, _args, options) => {
          const policy = options.policy ? await resolvePolicy(session.client, options.policy) : undefined;
          const filters = {
            ...(policy ? { policy } : {}),
            ...(options.status ? { status: options.status } : {}),
            ...(options.from ? { from: options.from } : {}),
            ...(options.to ? { to: options.to } : {}),
          };
          const items = await listAll(
            async (page) =>
              (await unwrap(session.client.GET('/v1/runs', { params: { query: { ...page, ...filters } } })))
                .data,
            options.limit,
          );
          session.printList(items, COLUMNS);
        },
      ),
    );

  runs
    .command('get')
    .description('one run with its per-guest results')
    .argument('<run>', 'run id')
    .action(
      act(context, async (session, args) => {
        await printRun(
          session,
          (await unwrap(session.client.GET('/v1/runs/{runId}', { params: { path: { runId: first(args) } } })))
            .data,
        );
      }),
    );

  withWaitOptions(
    runs
      .command('wait')
      .description('wait for a run to end, with a progress line on stderr; exit 6 unless it succeeded')
      .argument('<run>', 'run id'),
    false,
  ).action(
    act<WaitSettings>(context, async (session, args, options) => waitForRun(session, first(args), options)),
  );

  withWaitOptions(
    runs
      .command('cancel')
      .description('start no more guests; snapshots under way finish, then the run ends cancelled (operator)')
      .argument('<run>', 'run id'),
  ).action(
    act<{ wait?: boolean } & WaitSettings>(context, async (session, args, options) => {
      const runId = first(args);
      const { data } = await unwrap(
        session.client.POST('/v1/runs/{runId}/cancel', { params: { path: { runId } } }),
      );
      if (!options.wait) return session.print(data);
      // Cancelled is what was asked for (a run may also have ended on its own meanwhile).
      await waitForRun(session, runId, options, ['cancelled', 'succeeded']);
    }),
  );
}
