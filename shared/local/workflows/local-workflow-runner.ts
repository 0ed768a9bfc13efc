import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { toLambdaFailure } from '#shared/domain/error-registry.ts';
import { HISTORY_EVENT_LIMIT, HistoryCounter, type RunnerEvent } from './history-counter.ts';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowRunnerOptions {
  /** Milliseconds to use instead of the definition's Wait durations and Retry intervals, by state name. */
  readonly waitOverrides?: Record<string, number>;
  readonly onExecutionError?: (name: string, error: unknown) => void;
  /** Receives every execution event (state entered/exited, ...), e.g. to count state transitions. */
  readonly onEvent?: (name: string, event: { type: string; state?: { name: string; type?: string } }) => void;
  /**
   * An execution started with `start` ended FAILED, TIMED_OUT or ABORTED (stopped with
   * `stopExecution`; not at shutdown), as EventBridge reports Step Functions status changes.
   */
  readonly onExecutionEnded?: (ended: LocalEndedExecution) => void;
  /** Each function's configured timeout (seconds, from the template): a longer run fails as `Sandbox.Timedout`. */
  readonly functionTimeouts?: Record<string, number>;
  /** Checks the state machines' own calls against their roles and runs each function as its role. */
  readonly iam?: RunnerIam;
  /** Throttles Lambda invocations and child starts on demand (errors as Step Functions reports them). */
  readonly throttle?: { next(target: 'lambda' | 'startExecution'): Error | undefined };
  /** History events per execution before it fails (default: Step Functions' 25,000). */
  readonly historyLimit?: number;
  /** Receives each execution's history event count when it ends. */
  readonly onHistory?: (name: string, events: number) => void;
}

export interface LocalEndedExecution {
  readonly name: string;
  readonly arn: string;
  readonly input: unknown;
  readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly error?: string;
  readonly cause?: string;
}

/** What the runner needs of the local IAM (`LocalIam`). */
interface RunnerIam {
  stateMachineRole(arn: string): string;
  authorizeRole(caller: { role: string; session: string }, action: string, resource: string): void;
  runAsFunction<T>(name: string, call: () => T): T;
}

type StateDefinition = {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  ItemProcessor?: Definition;
  Iterator?: Definition;
  Branches?: Definition[];
};
type Definition = { States: Record<string, StateDefinition> };
type TaskHandler = (input: Record<string, unknown>) => Promise<unknown>;

const START_CHILD = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;

/** Step Functions' limit on a task's result and an execution's input (256 KiB, UTF-8). */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * What the runner gives aws-local-stepfunctions for a Task without `TimeoutSeconds`. The library
 * would otherwise time such a task out after 60 s, a limit AWS does not have (a Task without
 * `TimeoutSeconds` runs as long as its execution may). It is the longest delay Node's
 * `setTimeout` takes (2^31 - 1 ms, about 24.8 days; anything longer fires at once), far beyond
 * the executions' own timeouts (hours).
 */
const UNLIMITED_TASK_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A Task failure as Step Functions records it: `name` is the Error, `message` the Cause. */
function taskError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/**
 * Lambda's answer when a function runs past its configured timeout, as Step Functions reports it
 * (the function's work is not stopped in-process: its result is dropped).
 */
function timedOut(seconds: number): Error {
  return taskError(
    'Sandbox.Timedout',
    JSON.stringify({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${randomUUID()} Error: Task timed out after ${seconds.toFixed(2)} seconds`,
    }),
  );
}

/** Runs `call`, failing as Lambda does once `seconds` pass. */
async function withTimeout<T>(call: () => Promise<T>, seconds: number | undefined): Promise<T> {
  if (seconds === undefined) return await call();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(seconds)), seconds * 1000);
  });
  try {
    return await Promise.race([call(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A refusal of the state machine's role, as the integration reports it to the Task: Lambda's
 * optimized integration as `Lambda.AWSLambdaException`, Step Functions' by its error code.
 */
function asIntegrationError(error: unknown, service: 'Lambda' | 'StepFunctions'): unknown {
  if (!(error instanceof Error) || error.name !== 'AccessDeniedException') return error;
  const [name, sdk] =
    service === 'Lambda'
      ? ['Lambda.AWSLambdaException', 'AWSLambda']
      : ['StepFunctions.AccessDeniedException', 'AWSStepFunctions'];
  return taskError(
    name,
    `${error.message} (Service: ${sdk}; Status Code: 403; Error Code: AccessDeniedException)`,
  );
}

/** Fails like Step Functions when a payload passes the limit (which aws-local-stepfunctions does not check). */
function checkPayloadSize(what: string, value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    const error = new Error(`${what} has ${bytes} bytes, more than Step Functions' ${PAYLOAD_LIMIT_BYTES}`);
    error.name = 'States.DataLimitExceeded';
    throw error;
  }
}

/** Every Task state of a definition, nested ones (Map, Parallel) included. */
function taskStates(definition: Definition): Array<[string, StateDefinition]> {
  return Object.entries(definition.States).flatMap(([name, state]): Array<[string, StateDefinition]> => {
    if (state.Type === 'Task') return [[name, state]];
    const inner = [state.ItemProcessor ?? state.Iterator, ...(state.Branches ?? [])];
    return inner.flatMap((definition) => (definition ? taskStates(definition) : []));
  });
}

/**
 * The definition as the library must see it to behave like Step Functions: a Task without
 * `TimeoutSeconds` gets no limit (instead of the library's 60 s), and what the runner cannot
 * enforce the way AWS does (heartbeats, a timeout read from the input) is refused, so no limit is
 * silently dropped or invented.
 */
function forLocalRun(definition: Record<string, unknown>): Definition {
  const copy = structuredClone(definition) as unknown as Definition;
  for (const [name, state] of taskStates(copy)) {
    if (state.HeartbeatSeconds !== undefined || state.HeartbeatSecondsPath !== undefined)
      throw new Error(`state '${name}': the local runner cannot enforce HeartbeatSeconds`);
    if (state.TimeoutSecondsPath !== undefined)
      throw new Error(`state '${name}': the local runner does not support TimeoutSecondsPath`);
    state.TimeoutSeconds ??= UNLIMITED_TASK_SECONDS;
  }
  return copy;
}

interface RunningExecution {
  readonly abort: () => void;
  readonly result: Promise<unknown>;
  /** Child executions (`startExecution.sync`) this execution waits for. */
  readonly children: Set<string>;
}

/**
 * Runs synthesized state machines with aws-local-stepfunctions. A `lambda:invoke` task is routed
 * by its FunctionName to the same code the Lambda runs, and a failure is reported the way Lambda
 * reports it to Step Functions (Error = the error's name, Cause = `{errorType, errorMessage}`),
 * so Retry/Catch and the steps that read Causes behave as in AWS. A `startExecution.sync` task
 * runs the named child state machine here and waits for it, as Step Functions does.
 *
 * Limits are those of AWS: a Task's `TimeoutSeconds` is enforced (`States.Timeout`), a Task
 * without one has none, and a child execution whose task gave up on it (timeout) or whose parent
 * ended is stopped, as Step Functions stops the child of a `.sync` task it abandons.
 */
export class LocalWorkflowRunner {
  readonly #machines = new Map<string, StateMachine>();
  readonly #functions: Record<string, LocalFunction>;
  /** Per state machine, its Task states: child starts (with their timeout) and Lambda invocations. */
  readonly #tasks = new Map<string, Array<[string, StateDefinition]>>();
  readonly #options: LocalWorkflowRunnerOptions;
  readonly #mainArn: string;
  readonly #running = new Map<string, RunningExecution>();
  /** Execution name by execution id (children name their parent by its id). */
  readonly #names = new Map<string, string>();
  readonly #stopRequested = new Set<string>();
  #children = 0;

  constructor(
    definitions: Record<string, Record<string, unknown>>,
    mainArn: string,
    functions: Record<string, LocalFunction>,
    options: LocalWorkflowRunnerOptions = {},
  ) {
    this.#options = options;
    this.#mainArn = mainArn;
    this.#functions = functions;
    for (const [arn, definition] of Object.entries(definitions)) {
      this.#machines.set(
        arn,
        new StateMachine(forLocalRun(definition) as never, {
          validationOptions: { checkArn: true, checkPaths: true },
        }),
      );
      this.#tasks.set(arn, taskStates(definition as unknown as Definition));
    }
  }

  /**
   * A `lambda:invoke` task of the state machine `arn`: the machine's role must be granted
   * `lambda:InvokeFunction` on the function, Lambda may throttle, and the function runs as its
   * own role within its configured timeout.
   */
  #invoke(arn: string, execution: string): TaskHandler {
    return async ({ FunctionName, Payload }) => {
      const name = String(FunctionName).split(':').at(-1) ?? '';
      const target = this.#functions[name];
      if (!target) throw new Error(`no local function '${name}'`);
      const { iam, throttle, functionTimeouts } = this.#options;
      const throttled = throttle?.next('lambda');
      if (throttled) throw taskError(throttled.name, throttled.message);
      try {
        iam?.authorizeRole(
          { role: iam.stateMachineRole(arn), session: execution },
          'lambda:InvokeFunction',
          String(FunctionName),
        );
      } catch (error) {
        throw asIntegrationError(error, 'Lambda');
      }
      const run = () => (iam ? iam.runAsFunction(name, () => target(Payload)) : target(Payload));
      let result: unknown;
      try {
        result = await withTimeout(run, functionTimeouts?.[name]);
      } catch (error) {
        if (error instanceof Error && error.name === 'Sandbox.Timedout') throw error;
        const report = toLambdaFailure(error);
        throw taskError(report.errorType ?? 'Error', JSON.stringify(report));
      }
      checkPayloadSize(`the result of '${name}'`, result);
      return { Payload: result };
    };
  }

  /** The Task handlers of one execution of `arn`, by state name. */
  #handlers(arn: string, execution: string): Record<string, TaskHandler> {
    const invoke = this.#invoke(arn, execution);
    return Object.fromEntries(
      (this.#tasks.get(arn) ?? []).map(([state, task]) => [
        state,
        START_CHILD.test(task.Resource ?? '')
          ? this.#startChild(arn, execution, task.TimeoutSeconds)
          : invoke,
      ]),
    );
  }

  /**
   * A `startExecution.sync` task: runs the child and waits for it. When the task's timeout
   * passes, the library fails the task with `States.Timeout`; the child is stopped then, so a
   * lane given up writes nothing more. The handler itself never settles after that (the
   * library's timeout decides the task's outcome, not an aborted child's empty result).
   */
  #startChild(parentArn: string, execution: string, timeoutSeconds: number | undefined): TaskHandler {
    return async (input) => {
      const { StateMachineArn, Input } = input;
      checkPayloadSize("a child execution's input", Input);
      const { iam, throttle } = this.#options;
      const throttled = throttle?.next('startExecution');
      if (throttled) throw taskError(throttled.name, throttled.message);
      try {
        iam?.authorizeRole(
          { role: iam.stateMachineRole(parentArn), session: execution },
          'states:StartExecution',
          String(StateMachineArn),
        );
      } catch (error) {
        throw asIntegrationError(error, 'StepFunctions');
      }
      const name = `child-${++this.#children}`;
      const parentId = (Input as Record<string, unknown> | undefined)
        ?.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
      const parent =
        typeof parentId === 'string' ? this.#running.get(this.#names.get(parentId) ?? '') : undefined;
      parent?.children.add(name);
      let givenUp = false;
      const timer =
        timeoutSeconds !== undefined
          ? setTimeout(() => {
              givenUp = true;
              this.#running.get(name)?.abort();
            }, timeoutSeconds * 1000)
          : undefined;
      try {
        const output = await this.#execute(name, String(StateMachineArn), Input);
        if (givenUp) return await new Promise<never>(() => {});
        return { Output: output, Status: 'SUCCEEDED', ExecutionArn: `${StateMachineArn}:${name}` };
      } finally {
        clearTimeout(timer);
        parent?.children.delete(name);
      }
    };
  }

  /** Starts an execution of the main state machine; a second start with a running execution's name is ignored. */
  start(name: string, input: unknown, arn: string = this.#mainArn): Promise<unknown> {
    const existing = this.#running.get(name);
    if (existing) return existing.result;
    const ended = (status: LocalEndedExecution['status'], failure?: Error) =>
      this.#options.onExecutionEnded?.({
        name,
        arn,
        input,
        status,
        ...(failure?.name ? { error: failure.name } : {}),
        ...(failure?.message ? { cause: failure.message } : {}),
      });
    return this.#execute(name, arn, input).then(
      (output) => {
        // An aborted execution settles with null (noThrowOnAbort); only a stop asked for is reported.
        if (output === null && this.#stopRequested.delete(name)) ended('ABORTED');
        return output;
      },
      (error: unknown) => {
        this.#options.onExecutionError?.(name, error);
        if ((error as Error).name === 'ExecutionTimeoutError') ended('TIMED_OUT');
        else ended('FAILED', ((error as Error).cause as Error | undefined) ?? (error as Error));
        return undefined;
      },
    );
  }

  /** Stops a running execution, as StopExecution does: it ends ABORTED. */
  stopExecution(name: string): void {
    const execution = this.#running.get(name);
    if (!execution) return;
    this.#stopRequested.add(name);
    execution.abort();
  }

  #execute(name: string, arn: string, input: unknown): Promise<unknown> {
    const machine = this.#machines.get(arn);
    if (!machine) return Promise.reject(new Error(`no local state machine ${arn}`));
    const startTime = new Date().toISOString();
    const id = `${arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const execution = machine.run(input as never, {
      // The Context Object Step Functions gives every execution (child starts read Execution.Id).
      context: {
        Execution: { Id: id, Name: name, Input: input, StartTime: startTime },
        StateMachine: { Id: arn, Name: arn.split(':').at(-1) },
      } as never,
      overrides: {
        taskResourceLocalHandlers: this.#handlers(arn, name) as never,
        ...(this.#options.waitOverrides
          ? {
              waitTimeOverrides: this.#options.waitOverrides,
              retryIntervalOverrides: this.#options.waitOverrides,
            }
          : {}),
      },
      noThrowOnAbort: true,
    });
    const history = new HistoryCounter(
      new Set(
        (this.#tasks.get(arn) ?? [])
          .filter(([, task]) => START_CHILD.test(task.Resource ?? ''))
          .map(([state]) => state),
      ),
    );
    const limit = this.#options.historyLimit ?? HISTORY_EVENT_LIMIT;
    let historyExceeded: Error | undefined;
    const onEvent = this.#options.onEvent;
    // The event log closes when the execution ends, so this settles once every event is counted.
    const counted = (async () => {
      for await (const event of execution.eventLogs) {
        onEvent?.(name, event as never);
        // The failure itself is the last event the limit allows.
        if (history.add(event as RunnerEvent) >= limit - 1 && !historyExceeded) {
          historyExceeded = taskError(
            'States.Runtime',
            `The execution reached the maximum number of history events (${limit}).`,
          );
          execution.abort();
        }
      }
    })().catch(() => undefined);
    const children = new Set<string>();
    const result = execution.result
      .finally(() => counted)
      .then((output) => {
        if (historyExceeded) throw historyExceeded;
        return output;
      })
      .finally(() => {
        this.#running.delete(name);
        this.#names.delete(id);
        this.#options.onHistory?.(name, history.count + 1);
        // An execution that ended (stopped, timed out, failed) leaves no child running behind it.
        for (const child of children) this.#running.get(child)?.abort();
      });
    this.#running.set(name, { abort: execution.abort, result: result.catch(() => undefined), children });
    this.#names.set(id, name);
    return result;
  }

  get running(): number {
    return this.#running.size;
  }

  /** Waits for every running execution (tests). */
  async drain(): Promise<void> {
    while (this.#running.size > 0)
      await Promise.all([...this.#running.values()].map((execution) => execution.result));
  }

  /** Aborts every running execution (shutdown). */
  stop(): void {
    for (const execution of this.#running.values()) execution.abort();
  }
}
