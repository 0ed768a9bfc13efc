import type { Command } from 'commander';
import { type Schemas, unwrap } from '../client/api-client.ts';
import type { Session, TextSink } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { clusterNames, guestLabel } from './resolve.ts';

/** `--interval` and `--timeout`, and `--wait` for commands that start a run or an operation. */
export function withWaitOptions(command: Command, waitFlag = true): Command {
  if (waitFlag)
    command.option(
      '-w, --wait',
      'wait until it ends, with a progress line on stderr; exit 6 unless it succeeded',
    );
  return command
    .option('--interval <seconds>', 'seconds between checks while waiting', positiveNumber, 1)
    .option(
      '--timeout <seconds>',
      'give up waiting after this long (exit 7; the work goes on)',
      positiveNumber,
    );
}

export interface WaitSettings {
  readonly interval: number;
  readonly timeout?: number;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new CliError(`not a positive number of seconds: ${text}`, ExitCode.usage);
  return value;
}

/**
 * One line on stderr that says where the work is: rewritten in place on a terminal, a new line
 * only when it changes otherwise (logs of scripts stay short).
 */
function progressLine(stderr: TextSink) {
  let last = '';
  return {
    show(text: string) {
      if (text === last) return;
      last = text;
      stderr.write(stderr.isTTY ? `\r\x1b[K${text}` : `${text}\n`);
    },
    end() {
      if (stderr.isTTY && last) stderr.write('\n');
    },
  };
}

async function poll<T>(
  session: Session,
  settings: WaitSettings,
  read: () => Promise<T>,
  describe: (value: T) => string,
  ended: (value: T) => boolean,
): Promise<T> {
  const progress = progressLine(session.context.stderr);
  const deadline =
    settings.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + settings.timeout * 1000;
  try {
    for (;;) {
      const value = await read();
      progress.show(describe(value));
      if (ended(value)) return value;
      if (Date.now() >= deadline)
        throw new CliError(`gave up waiting after ${settings.timeout} s; it goes on`, ExitCode.timeout);
      await session.context.sleep(settings.interval * 1000);
    }
  } finally {
    progress.end();
  }
}

type Run = Schemas['RunWithResults'];
type Operation = Schemas['Operation'];

export const runLine = (run: Run): string => {
  // Before its targets are known a run has none: say what it is doing rather than 0/0.
  if (run.status === 'running' && run.targets === 0)
    return `run ${run.id} (${run.policyName}): running, finding its guests`;
  const done = run.succeeded + run.failed;
  return `run ${run.id} (${run.policyName}): ${run.status}, ${done}/${run.targets} guests done, ${run.succeeded} succeeded, ${run.failed} failed`;
};

const operationLine = (names: ReadonlyMap<string, string>) => (operation: Operation) =>
  `operation ${operation.id} (${operation.kind} ${guestLabel(names, operation.guestId)} ${operation.snapshotName}): ${operation.status}${operation.error ? `: ${operation.error}` : ''}`;

/**
 * A run as people read it (table output): each guest's result by `lab/101`, with its snapshot or
 * archive and Proxmox's words, without the ids scripts use; JSON and YAML get the run as it is.
 */
export async function printRun(session: Session, run: Run): Promise<void> {
  if (session.output !== 'table' || run.results.length === 0) return session.print(run);
  const names = await clusterNames(session.client);
  const { results, ...rest } = run;
  session.print({
    ...rest,
    results: results.map((result) => ({
      guest: guestLabel(names, result.guestId),
      node: result.node,
      outcome: result.outcome,
      made: result.volid ?? result.snapshotName,
      finishedAt: result.finishedAt,
      ...(result.late ? { late: 'yes, not counted' } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.warning ? { warning: result.warning } : {}),
      ...(result.error ? { proxmoxSaid: result.error } : {}),
    })),
  });
}

/**
 * Waits for the run to end and prints it; a run that ends other than `expected` (by default:
 * succeeded) is exit code 6.
 */
export async function waitForRun(
  session: Session,
  runId: string,
  settings: WaitSettings,
  expected: readonly Run['status'][] = ['succeeded'],
): Promise<void> {
  const run = await poll(
    session,
    settings,
    async () => (await unwrap(session.client.GET('/v1/runs/{runId}', { params: { path: { runId } } }))).data,
    runLine,
    (value) => value.status !== 'running',
  );
  await printRun(session, run);
  if (!expected.includes(run.status))
    throw new CliError(
      `run ${run.id} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
      ExitCode.failed,
    );
}

type RestoreTestRun = Schemas['RestoreTestRun'];

const restoreTestRunLine = (run: RestoreTestRun): string => {
  const items = run.items ?? [];
  const proven = items.filter((item) => item.outcome === 'succeeded').length;
  const failed = items.filter((item) => item.outcome === 'failed').length;
  const current = items.find((item) => item.outcome === undefined);
  return `restore-test run ${run.id} (${run.testName}): ${run.status}, ${proven + failed}/${items.length} guests done, ${proven} proven, ${failed} failed${current ? `; ${current.guestName}: ${current.phase}` : ''}`;
};

/** Waits for a restore-test run to end and prints it; a run that did not prove every guest is exit code 6. */
export async function waitForRestoreTestRun(
  session: Session,
  runId: string,
  settings: WaitSettings,
): Promise<void> {
  const run = await poll(
    session,
    settings,
    async () =>
      (await unwrap(session.client.GET('/v1/restore-test-runs/{runId}', { params: { path: { runId } } })))
        .data,
    restoreTestRunLine,
    (value) => value.status !== 'running',
  );
  session.print(run);
  if (run.status !== 'succeeded')
    throw new CliError(
      `restore-test run ${run.id} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
      ExitCode.failed,
    );
}

/** Waits for the operation to end and prints it; a failed operation is exit code 6. */
export async function waitForOperation(
  session: Session,
  operationId: string,
  settings: WaitSettings,
): Promise<void> {
  const names = await clusterNames(session.client);
  const operation = await poll(
    session,
    settings,
    async () =>
      (
        await unwrap(
          session.client.GET('/v1/operations/{operationId}', { params: { path: { operationId } } }),
        )
      ).data,
    operationLine(names),
    (value) => value.status === 'succeeded' || value.status === 'failed',
  );
  session.print(operation);
  // The new guest as it can be named back in the next command.
  const newGuest = operation.result?.newGuestId;
  if (newGuest)
    session.note(
      `new guest ${guestLabel(names, newGuest)}: pvesnap guests get ${guestLabel(names, newGuest)}`,
    );
  if (operation.status !== 'succeeded')
    throw new CliError(
      `operation ${operation.id} failed${operation.error ? `: ${operation.error}` : ''}`,
      ExitCode.failed,
    );
}

/** Prints what was started, or waits for it when `--wait` was given. */
export async function startedOperation(
  session: Session,
  operation: Operation,
  options: { wait?: boolean } & WaitSettings,
): Promise<void> {
  if (options.wait) return waitForOperation(session, operation.id, options);
  session.print(operation);
  session.note(`started operation ${operation.id}; follow it with: pvesnap operations wait ${operation.id}`);
}
