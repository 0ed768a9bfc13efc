import { StateMachine } from 'aws-local-stepfunctions';
import { serializeError } from '#shared/domain/error-registry.ts';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowRunnerOptions {
  /** Milliseconds to use instead of the definition's Wait durations and Retry intervals, by state name. */
  readonly waitOverrides?: Record<string, number>;
  readonly onExecutionError?: (name: string, error: unknown) => void;
  /** Receives every execution event (state entered/exited, ...), e.g. to count state transitions. */
  readonly onEvent?: (name: string, event: { type: string; state?: { name: string; type?: string } }) => void;
}

type StateDefinition = { Type: string; Resource?: string; ItemProcessor?: Definition; Iterator?: Definition };
type Definition = { States: Record<string, StateDefinition> };
type TaskHandler = (input: Record<string, unknown>) => Promise<unknown>;

const START_CHILD = /^arn:aws:states:::states:startExecution\.sync(:2)?$/;

/** Step Functions' limit on a task's result and an execution's input (256 KiB, UTF-8). */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Fails like Step Functions when a payload passes the limit (which aws-local-stepfunctions does not check). */
function checkPayloadSize(what: string, value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    const error = new Error(`${what} has ${bytes} bytes, more than Step Functions' ${PAYLOAD_LIMIT_BYTES}`);
    error.name = 'States.DataLimitExceeded';
    throw error;
  }
}

function taskStates(definition: Definition): Array<[string, string]> {
  return Object.entries(definition.States).flatMap(([name, state]): Array<[string, string]> => {
    if (state.Type === 'Task') return [[name, state.Resource ?? '']];
    const inner = state.ItemProcessor ?? state.Iterator;
    return inner ? taskStates(inner) : [];
  });
}

/**
 * Runs synthesized state machines with aws-local-stepfunctions. A `lambda:invoke` task is routed
 * by its FunctionName to the same code the Lambda runs, and a failure is reported the way Lambda
 * reports it to Step Functions (Error = the error's name, Cause = `{errorType, errorMessage}`),
 * so Retry/Catch and the steps that read Causes behave as in AWS. A `startExecution.sync` task
 * runs the named child state machine here and waits for it, as Step Functions does.
 */
export class LocalWorkflowRunner {
  readonly #machines = new Map<string, StateMachine>();
  readonly #handlers: Record<string, TaskHandler>;
  readonly #options: LocalWorkflowRunnerOptions;
  readonly #mainArn: string;
  readonly #running = new Map<string, { abort: () => void; result: Promise<unknown> }>();
  #children = 0;

  constructor(
    definitions: Record<string, Record<string, unknown>>,
    mainArn: string,
    functions: Record<string, LocalFunction>,
    options: LocalWorkflowRunnerOptions = {},
  ) {
    this.#options = options;
    this.#mainArn = mainArn;
    for (const [arn, definition] of Object.entries(definitions)) {
      this.#machines.set(
        arn,
        new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } }),
      );
    }
    const invoke: TaskHandler = async ({ FunctionName, Payload }) => {
      const name = String(FunctionName).split(':').at(-1) ?? '';
      const target = functions[name];
      if (!target) throw new Error(`no local function '${name}'`);
      let result: unknown;
      try {
        result = await target(Payload);
      } catch (error) {
        const serialized = serializeError(error);
        const failure = new Error(
          JSON.stringify({ errorType: serialized.name, errorMessage: JSON.stringify(serialized) }),
        );
        failure.name = serialized.name;
        throw failure;
      }
      checkPayloadSize(`the result of '${name}'`, result);
      return { Payload: result };
    };
    const startChild: TaskHandler = async ({ StateMachineArn, Input }) => {
      checkPayloadSize("a child execution's input", Input);
      const name = `child-${++this.#children}`;
      const output = await this.#execute(name, String(StateMachineArn), Input);
      return { Output: output, Status: 'SUCCEEDED', ExecutionArn: `${StateMachineArn}:${name}` };
    };
    this.#handlers = {};
    for (const definition of Object.values(definitions)) {
      for (const [state, resource] of taskStates(definition as Definition)) {
        this.#handlers[state] = START_CHILD.test(resource) ? startChild : invoke;
      }
    }
  }

  /** Starts an execution of the main state machine; a second start with a running execution's name is ignored. */
  start(name: string, input: unknown, arn: string = this.#mainArn): Promise<unknown> {
    const existing = this.#running.get(name);
    if (existing) return existing.result;
    return this.#execute(name, arn, input).catch((error: unknown) => {
      this.#options.onExecutionError?.(name, error);
      return undefined;
    });
  }

  #execute(name: string, arn: string, input: unknown): Promise<unknown> {
    const machine = this.#machines.get(arn);
    if (!machine) return Promise.reject(new Error(`no local state machine ${arn}`));
    const startTime = new Date().toISOString();
    const execution = machine.run(input as never, {
      // The Context Object Step Functions gives every execution (child starts read Execution.Id).
      context: {
        Execution: {
          Id: `${arn.replace(':stateMachine:', ':execution:')}:${name}`,
          Name: name,
          Input: input,
          StartTime: startTime,
        },
        StateMachine: { Id: arn, Name: arn.split(':').at(-1) },
      } as never,
      overrides: {
        taskResourceLocalHandlers: this.#handlers as never,
        ...(this.#options.waitOverrides
          ? {
              waitTimeOverrides: this.#options.waitOverrides,
              retryIntervalOverrides: this.#options.waitOverrides,
            }
          : {}),
      },
      noThrowOnAbort: true,
    });
    const onEvent = this.#options.onEvent;
    if (onEvent) {
      void (async () => {
        for await (const event of execution.eventLogs) onEvent(name, event as never);
      })().catch(() => undefined);
    }
    const result = execution.result.finally(() => this.#running.delete(name));
    this.#running.set(name, { abort: execution.abort, result: result.catch(() => undefined) });
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
