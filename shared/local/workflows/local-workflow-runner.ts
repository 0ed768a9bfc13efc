import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { toLambdaFailure } from '#shared/domain/error-registry.ts';
import { localExecutionArn, SYNC_EVENTS_RULE_ARN } from '../local-arns.ts';
import { HISTORY_EVENT_LIMIT, HistoryCounter, type RunnerEvent } from './history-counter.ts';
import { LocalTaskTokens, withTaskToken } from './task-tokens.ts';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowRunnerOptions {
  /** Milliseconds to use instead of the definition's Wait durations and Retry intervals, by state name. */
  readonly waitOverrides?: Record<string, number>;
  readonly onExecutionError?: (name: string, error: unknown) => void;
  /** Receives every execution event (state entered/exited, ...), e.g. to count state transitions. */
  readonly onEvent?: (
    name: string,
    event: { type: string; state?: { name: string; type?: string } },
    /** The execution's state machine type (Standard and Express transitions are billed apart). */
    machineType: StateMachineType,
  ) => void;
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
  /**
   * Each state machine's type, by ARN, as the template declares it (`StateMachineType`); absent
   * ones are STANDARD. An EXPRESS definition is refused when it uses an integration pattern
   * Express does not have, and its executions end at Express's duration limit.
   */
  readonly stateMachineTypes?: Readonly<Record<string, StateMachineType>>;
  /** How long an Express execution may run (default: Step Functions' 5 minutes). */
  readonly expressLimitMs?: number;
}

export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** Step Functions' limit on an Express execution's duration. */
const EXPRESS_LIMIT_MS = 5 * 60_000;
/** How an Express execution past its limit fails (a `.sync` parent's task fails with it). */
const EXPRESS_TIMEOUT = 'States.Timeout';

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
  Parameters?: Record<string, unknown>;
  ItemProcessor?: Definition;
  Iterator?: Definition;
  Branches?: Definition[];
};
type Definition = { States: Record<string, StateDefinition> };
type TaskHandler = (input: Record<string, unknown>) => Promise<unknown>;

const START_CHILD = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;
/** What a `.sync` parent's role does on the rule Step Functions manages for child status events. */
const SYNC_EVENTS_RULE_ACTIONS = ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'] as const;
/** The integration patterns that wait: a job to end (`.sync`) or a callback (`.waitForTaskToken`). */
const WAITING_PATTERN = /\.(sync(:\d+)?|waitForTaskToken)$/;
/** A Lambda invocation that waits for its task token to be answered (`SendTaskSuccess`, ...). */
const WAIT_FOR_TOKEN = /^arn:aws:states:::lambda:invoke\.waitForTaskToken$/;
/**
 * What `$$.Task.Token` reads in the local Context Object: the library has one context per
 * execution, so each waiting task replaces this stand-in with a token of its own.
 */
const TOKEN_PLACEHOLDER = 'local-task-token-placeholder';

/** Where a task's timeout read from its input travels in its local Parameters (see {@link forLocalRun}). */
const LOCAL_TIMEOUT_FIELD = 'LocalTimeoutSeconds';

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
 * `TimeoutSeconds` gets no limit (instead of the library's 60 s), heartbeats are left to the
 * runner (it enforces them on tasks that wait for their token), and what the runner cannot
 * enforce the way AWS does (heartbeats of other tasks) is refused,
 * so no limit is silently dropped or invented.
 */
function forLocalRun(definition: Record<string, unknown>, type: StateMachineType): Definition {
  const copy = structuredClone(definition) as unknown as Definition;
  for (const [name, state] of taskStates(copy)) {
    const pattern = WAITING_PATTERN.exec(state.Resource ?? '')?.[1];
    // CreateStateMachine refuses these: Express workflows only have Request Response integrations.
    if (type === 'EXPRESS' && pattern)
      throw new Error(
        `InvalidDefinition: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.${pattern}' service integration at /States/${name}/Resource'`,
      );
    const waitsForToken = WAIT_FOR_TOKEN.test(state.Resource ?? '');
    if (state.HeartbeatSecondsPath !== undefined || (state.HeartbeatSeconds !== undefined && !waitsForToken))
      throw new Error(`state '${name}': the local runner cannot enforce HeartbeatSeconds`);
    delete state.HeartbeatSeconds;
    if (state.TimeoutSecondsPath !== undefined && state.Parameters) {
      // Step Functions reads TimeoutSecondsPath from the state's input; the library reads it from
      // what Parameters made of it, so the value is carried over there (the handlers ignore it).
      state.Parameters = { ...state.Parameters, [`${LOCAL_TIMEOUT_FIELD}.$`]: state.TimeoutSecondsPath };
      state.TimeoutSecondsPath = `$.${LOCAL_TIMEOUT_FIELD}`;
    }
    if (state.TimeoutSecondsPath === undefined) state.TimeoutSeconds ??= UNLIMITED_TASK_SECONDS;
  }
  return copy;
}

interface RunningExecution {
  /** The execution's ARN (`execution:...`, or `express:...` for an Express one). */
  readonly id: string;
  readonly express: boolean;
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
 * without one has none, and a Standard child execution whose task gave up on it (timeout) or
 * whose parent ended is stopped, as Step Functions stops the child of a `.sync` task it abandons
 * (an Express child cannot be stopped). The parent's role is checked for each of these calls.
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
  /** Tokens of tasks waiting for a callback (`.waitForTaskToken`). */
  readonly #tokens = new LocalTaskTokens();
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
        new StateMachine(forLocalRun(definition, this.#typeOf(arn)) as never, {
          validationOptions: { checkArn: true, checkPaths: true },
        }),
      );
      this.#tasks.set(arn, taskStates(definition as unknown as Definition));
    }
  }

  #typeOf(arn: string): StateMachineType {
    return this.#options.stateMachineTypes?.[arn] ?? 'STANDARD';
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

  /**
   * A `lambda:invoke.waitForTaskToken` task: the function is invoked with a token of this task in
   * place of `$$.Task.Token`, and the task ends when the token is answered (its output is the
   * answer), fails when a heartbeat is missed, or fails with the function's own error.
   */
  #invokeForCallback(arn: string, execution: string, heartbeatSeconds: number | undefined): TaskHandler {
    const invoke = this.#invoke(arn, execution);
    return async (input) => {
      const open = this.#tokens.open(arn, execution, heartbeatSeconds);
      try {
        await invoke(withTaskToken(input, TOKEN_PLACEHOLDER, open.token) as Record<string, unknown>);
        return await open.result;
      } finally {
        open.close();
      }
    };
  }

  /** `SendTaskSuccess`: the waiting task ends with `output`; a token no task holds fails with `TaskTimedOut`. */
  sendTaskSuccess(token: string, output: unknown): void {
    checkPayloadSize('a task token\u2019s output', output);
    this.#tokens.succeed(token, output);
  }

  /** `SendTaskFailure`: the waiting task fails with `error` and `cause`. */
  sendTaskFailure(token: string, error: string, cause: string): void {
    this.#tokens.fail(token, error, cause);
  }

  /** `SendTaskHeartbeat`: the waiting task's heartbeat timeout starts again. */
  sendTaskHeartbeat(token: string): void {
    this.#tokens.heartbeat(token);
  }

  /** The state machine whose task waits for `token` (the resource a callback is authorized on). */
  stateMachineOfToken(token: string): string | undefined {
    return this.#tokens.stateMachineOf(token);
  }

  /**
   * The Task handlers of one execution of `arn`, by state name. Once the execution has ended
   * (stopped, past its limit) no task of it runs: aws-local-stepfunctions would still run the first
   * state of a Map iteration that starts after the abort, which AWS never does.
   */
  #handlers(arn: string, execution: string, ended: () => boolean): Record<string, TaskHandler> {
    const invoke = this.#invoke(arn, execution);
    const handlerOf = (task: StateDefinition): TaskHandler => {
      const resource = task.Resource ?? '';
      if (START_CHILD.test(resource))
        return this.#startChild(arn, execution, task.TimeoutSeconds, resource.endsWith(':2'));
      if (WAIT_FOR_TOKEN.test(resource))
        return this.#invokeForCallback(arn, execution, task.HeartbeatSeconds);
      return invoke;
    };
    return Object.fromEntries(
      (this.#tasks.get(arn) ?? []).map(([state, task]) => {
        const handler = handlerOf(task);
        return [
          state,
          async (input: Record<string, unknown>) => {
            if (ended()) throw taskError('States.Runtime', `the execution ${execution} has ended`);
            return await handler(input);
          },
        ];
      }),
    );
  }

  /**
   * A `startExecution.sync` task: runs the child and waits for it. When the task's timeout
   * passes, the library fails the task with `States.Timeout`; the child is stopped then, so a
   * lane given up writes nothing more. The handler itself never settles after that (the
   * library's timeout decides the task's outcome, not an aborted child's empty result).
   */
  #startChild(
    parentArn: string,
    execution: string,
    timeoutSeconds: number | undefined,
    /** `.sync:2` answers the child's Output as JSON; `.sync` as the JSON text DescribeExecution has. */
    parsedOutput: boolean,
  ): TaskHandler {
    return async (input) => {
      const { StateMachineArn, Input } = input;
      checkPayloadSize("a child execution's input", Input);
      const { iam, throttle } = this.#options;
      const throttled = throttle?.next('startExecution');
      if (throttled) throw taskError(throttled.name, throttled.message);
      const name = `child-${++this.#children}`;
      const childArn = String(StateMachineArn);
      const id = localExecutionArn(childArn, name, this.#typeOf(childArn) === 'EXPRESS');
      try {
        if (iam) {
          const caller = { role: iam.stateMachineRole(parentArn), session: execution };
          iam.authorizeRole(caller, 'states:StartExecution', childArn);
          // What `.sync` needs to learn how the child ended, as the Step Functions guide's IAM
          // policy for it has it: the child described (by its own ARN, Express or Standard) and
          // the rule Step Functions manages for child status events. Checked before the child
          // runs: a parent that could not follow its child never sees its outcome.
          iam.authorizeRole(caller, 'states:DescribeExecution', id);
          for (const action of SYNC_EVENTS_RULE_ACTIONS)
            iam.authorizeRole(caller, action, SYNC_EVENTS_RULE_ARN);
        }
      } catch (error) {
        throw asIntegrationError(error, 'StepFunctions');
      }
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
              this.#stopChild(name, parentArn, execution);
            }, timeoutSeconds * 1000)
          : undefined;
      try {
        const output = await this.#execute(name, childArn, Input, id);
        if (givenUp) return await new Promise<never>(() => {});
        return {
          Output: parsedOutput ? output : JSON.stringify(output),
          Status: 'SUCCEEDED',
          ExecutionArn: id,
        };
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
        if (['ExecutionTimeoutError', EXPRESS_TIMEOUT].includes((error as Error).name)) ended('TIMED_OUT');
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

  /**
   * Stops a child its parent no longer waits for (the task gave up, the parent ended), as Step
   * Functions does with StopExecution as the parent's role. StopExecution does not support
   * Express executions: an Express child runs to its end or its duration limit. A Standard child
   * the role may not stop runs on too (the refusal is reported as any other).
   */
  #stopChild(child: string, parentArn: string, parentExecution: string): void {
    const running = this.#running.get(child);
    if (!running || running.express) return;
    const { iam } = this.#options;
    try {
      iam?.authorizeRole(
        { role: iam.stateMachineRole(parentArn), session: parentExecution },
        'states:StopExecution',
        running.id,
      );
    } catch {
      return;
    }
    running.abort();
  }

  #execute(
    name: string,
    arn: string,
    input: unknown,
    id: string = localExecutionArn(arn, name, this.#typeOf(arn) === 'EXPRESS'),
  ): Promise<unknown> {
    const machine = this.#machines.get(arn);
    if (!machine) return Promise.reject(new Error(`no local state machine ${arn}`));
    const startTime = new Date().toISOString();
    let ended = false;
    const execution = machine.run(input as never, {
      // The Context Object Step Functions gives every execution (child starts read Execution.Id).
      context: {
        Execution: { Id: id, Name: name, Input: input, StartTime: startTime },
        StateMachine: { Id: arn, Name: arn.split(':').at(-1) },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
      overrides: {
        taskResourceLocalHandlers: this.#handlers(arn, name, () => ended) as never,
        ...(this.#options.waitOverrides
          ? {
              waitTimeOverrides: this.#options.waitOverrides,
              retryIntervalOverrides: this.#options.waitOverrides,
            }
          : {}),
      },
      noThrowOnAbort: true,
    });
    // Ended from the moment it is stopped (before the library settles it), or once it settles.
    const abort = () => {
      ended = true;
      execution.abort();
    };
    const history = new HistoryCounter(
      new Set(
        (this.#tasks.get(arn) ?? [])
          .filter(([, task]) => START_CHILD.test(task.Resource ?? ''))
          .map(([state]) => state),
      ),
    );
    const express = this.#typeOf(arn) === 'EXPRESS';
    // Express executions have no event history to fill (only logs), but a duration limit.
    const limit = express ? Number.POSITIVE_INFINITY : (this.#options.historyLimit ?? HISTORY_EVENT_LIMIT);
    let expressTimedOut: Error | undefined;
    const expressTimer = express
      ? setTimeout(() => {
          const ms = this.#options.expressLimitMs ?? EXPRESS_LIMIT_MS;
          expressTimedOut = taskError(
            EXPRESS_TIMEOUT,
            `The Express execution ran past its limit of ${ms / 1000} seconds.`,
          );
          abort();
        }, this.#options.expressLimitMs ?? EXPRESS_LIMIT_MS)
      : undefined;
    let historyExceeded: Error | undefined;
    const onEvent = this.#options.onEvent;
    // The event log closes when the execution ends, so this settles once every event is counted.
    const counted = (async () => {
      for await (const event of execution.eventLogs) {
        onEvent?.(name, event as never, express ? 'EXPRESS' : 'STANDARD');
        // The failure itself is the last event the limit allows.
        if (history.add(event as RunnerEvent) >= limit - 1 && !historyExceeded) {
          historyExceeded = taskError(
            'States.Runtime',
            `The execution reached the maximum number of history events (${limit}).`,
          );
          abort();
        }
      }
    })().catch(() => undefined);
    const children = new Set<string>();
    const result = execution.result
      .finally(() => counted)
      .then((output) => {
        if (historyExceeded) throw historyExceeded;
        if (expressTimedOut) throw expressTimedOut;
        return output;
      })
      .finally(() => {
        ended = true;
        clearTimeout(expressTimer);
        this.#running.delete(name);
        this.#names.delete(id);
        this.#tokens.closeExecution(name);
        this.#options.onHistory?.(name, history.count + 1);
        // An execution that ended (stopped, timed out, failed) leaves no Standard child running
        // behind it (an Express one runs to its end, as in AWS).
        for (const child of children) this.#stopChild(child, arn, name);
      });
    this.#running.set(name, {
      id,
      express,
      abort,
      result: result.catch(() => undefined),
      children,
    });
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
