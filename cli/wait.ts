import type { Command } from 'commander';
import { type Schemas, unwrap } from '../client/api-client.ts';
import type { Session, TextSink } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';

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

const runLine = (run: Run): string => {
  const done = run.succeeded + run.failed;
  return `run ${run.id} (${run.policyName}): ${run.status}, ${done}/${run.targets} guests done, ${run.succeeded} succeeded, ${run.failed} failed`;
};

const operationLine = (operation: Operation): string =>
  `operation ${operation.id} (${operation.kind} ${operation.guestId} ${operation.snapshotName}): ${operation.status}${operation.error ? `: ${operation.error}` : ''}`;

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
  session.print(run);
  if (!expected.includes(run.status))
    throw new CliError(
      `run ${run.id} ended ${run.status}${run.reason ? `: ${run.reason}` : ''}`,
      ExitCode.failed,
    );
}

/** Waits for the operation to end and prints it; a failed operation is exit code 6. */
export async function waitForOperation(
  session: Session,
  operationId: string,
  settings: WaitSettings,
): Promise<void> {
  const operation = await poll(
    session,
    settings,
    async () =>
      (
        await unwrap(
          session.client.GET('/v1/operations/{operationId}', { params: { path: { operationId } } }),
        )
      ).data,
    operationLine,
    (value) => value.status === 'succeeded' || value.status === 'failed',
  );
  session.print(operation);
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
