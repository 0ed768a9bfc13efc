import { randomUUID } from 'node:crypto';

/** A task waiting for its token (`.waitForTaskToken`), as the runner keeps it. */
interface OpenTask {
  readonly stateMachineArn: string;
  readonly execution: string;
  readonly settle: (outcome: { output: unknown } | { error: Error }) => void;
  beat(): void;
}

/** Why a callback found no open task, in the words of Step Functions' API errors. */
export class TaskTokenClosedError extends Error {
  constructor(kind: 'TaskTimedOut' | 'InvalidToken') {
    super(
      kind === 'TaskTimedOut'
        ? 'Task Timed Out: the task token has either expired or the task associated with the token has already been closed'
        : 'Invalid Token',
    );
    this.name = kind;
  }
}

function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/**
 * The task tokens of the local runner's waiting tasks: a token is issued when its task starts,
 * answered once (success or failure) through `SendTaskSuccess`/`SendTaskFailure`, kept alive by
 * `SendTaskHeartbeat`, and closed when the task ends any other way. As in Step Functions, a task
 * with `HeartbeatSeconds` fails with `States.HeartbeatTimeout` when no heartbeat (or answer)
 * comes within that time, and an answer to a closed token is refused with `TaskTimedOut`.
 */
export class LocalTaskTokens {
  readonly #open = new Map<string, OpenTask>();

  /**
   * Opens a token for a task of `execution` (of `stateMachineArn`); `result` settles with the
   * answer. `close` forgets the token (the task ended: timed out, its execution stopped).
   */
  open(
    stateMachineArn: string,
    execution: string,
    heartbeatSeconds: number | undefined,
  ): { token: string; result: Promise<unknown>; close: () => void } {
    // Opaque like AWS's: nothing in it names a tenant or a state a caller could forge its way to.
    const token = `local-${`${randomUUID()}${randomUUID()}`.replaceAll('-', '')}`;
    let timer: NodeJS.Timeout | undefined;
    let settle!: OpenTask['settle'];
    const result = new Promise<unknown>((resolve, reject) => {
      settle = (outcome) => {
        clearTimeout(timer);
        this.#open.delete(token);
        if ('error' in outcome) reject(outcome.error);
        else resolve(outcome.output);
      };
    });
    const beat = () => {
      if (heartbeatSeconds === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          settle({
            error: taskError('States.HeartbeatTimeout', `no heartbeat within ${heartbeatSeconds} seconds`),
          }),
        heartbeatSeconds * 1000,
      );
    };
    beat();
    this.#open.set(token, { stateMachineArn, execution, settle, beat });
    return {
      token,
      result,
      close: () => {
        clearTimeout(timer);
        this.#open.delete(token);
      },
    };
  }

  /** The state machine whose task holds `token` (what IAM authorizes a callback against). */
  stateMachineOf(token: string): string | undefined {
    return this.#open.get(token)?.stateMachineArn;
  }

  succeed(token: string, output: unknown): void {
    this.#take(token).settle({ output });
  }

  fail(token: string, error: string, cause: string): void {
    this.#take(token).settle({ error: taskError(error, cause) });
  }

  heartbeat(token: string): void {
    this.#take(token).beat();
  }

  /** Closes every token of an execution that ended (its tasks wait for nothing any more). */
  closeExecution(execution: string): void {
    for (const [token, task] of this.#open) if (task.execution === execution) this.#open.delete(token);
  }

  get openCount(): number {
    return this.#open.size;
  }

  #take(token: string): OpenTask {
    const task = this.#open.get(token);
    if (task) return task;
    // Step Functions tells a malformed token from one whose task is over; locally every token is ours.
    throw new TaskTokenClosedError(token.startsWith('local-') ? 'TaskTimedOut' : 'InvalidToken');
  }
}

/** Replaces the runner's stand-in for `$$.Task.Token` wherever the task's parameters placed it. */
export function withTaskToken(value: unknown, placeholder: string, token: string): unknown {
  if (value === placeholder) return token;
  if (Array.isArray(value)) return value.map((item) => withTaskToken(item, placeholder, token));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withTaskToken(item, placeholder, token)]),
    );
  return value;
}
