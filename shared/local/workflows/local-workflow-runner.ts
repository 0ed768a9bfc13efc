import { StateMachine } from 'aws-local-stepfunctions';
import { serializeError } from '#shared/domain/error-registry.ts';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowRunnerOptions {
  /** Milliseconds to use instead of the definition's Wait durations, by state name (tests). */
  readonly waitOverrides?: Record<string, number>;
  readonly onExecutionError?: (name: string, error: unknown) => void;
  /** Receives every execution event (state entered/exited, ...), e.g. to count state transitions. */
  readonly onEvent?: (name: string, event: { type: string; state?: { name: string; type?: string } }) => void;
}

type Definition = {
  States: Record<string, { Type: string; ItemProcessor?: Definition; Iterator?: Definition }>;
};

function taskStates(definition: Definition): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    if (state.Type === 'Task') return [name];
    const inner = state.ItemProcessor ?? state.Iterator;
    return inner ? taskStates(inner) : [];
  });
}

/**
 * Runs a synthesized state machine with aws-local-stepfunctions. Every `lambda:invoke` task is
 * routed by its FunctionName to the same code the Lambda runs; a failure is reported the way
 * Lambda reports it to Step Functions (Error = the error's name, Cause = `{errorType,
 * errorMessage}`), so Retry/Catch and the steps that read Causes behave as in AWS.
 */
export class LocalWorkflowRunner {
  readonly #machine: StateMachine;
  readonly #handlers: Record<
    string,
    (input: { FunctionName: string; Payload: unknown }) => Promise<{ Payload: unknown }>
  >;
  readonly #options: LocalWorkflowRunnerOptions;
  readonly #running = new Map<string, { abort: () => void; result: Promise<unknown> }>();

  constructor(
    definition: Record<string, unknown>,
    functions: Record<string, LocalFunction>,
    options: LocalWorkflowRunnerOptions = {},
  ) {
    this.#machine = new StateMachine(definition as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    this.#options = options;
    const invoke = async ({ FunctionName, Payload }: { FunctionName: string; Payload: unknown }) => {
      const name = FunctionName.split(':').at(-1) ?? FunctionName;
      const target = functions[name];
      if (!target) throw new Error(`no local function '${name}'`);
      try {
        return { Payload: await target(Payload) };
      } catch (error) {
        const serialized = serializeError(error);
        const failure = new Error(
          JSON.stringify({ errorType: serialized.name, errorMessage: JSON.stringify(serialized) }),
        );
        failure.name = serialized.name;
        throw failure;
      }
    };
    this.#handlers = Object.fromEntries(taskStates(definition as Definition).map((state) => [state, invoke]));
  }

  /** Starts an execution; a second start with a running execution's name is ignored. */
  start(name: string, input: unknown): Promise<unknown> {
    const existing = this.#running.get(name);
    if (existing) return existing.result;
    const execution = this.#machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.#handlers as never,
        ...(this.#options.waitOverrides ? { waitTimeOverrides: this.#options.waitOverrides } : {}),
      },
      noThrowOnAbort: true,
    });
    const onEvent = this.#options.onEvent;
    if (onEvent) {
      void (async () => {
        for await (const event of execution.eventLogs) onEvent(name, event as never);
      })().catch(() => undefined);
    }
    const result = execution.result
      .catch((error: unknown) => {
        this.#options.onExecutionError?.(name, error);
        return undefined;
      })
      .finally(() => this.#running.delete(name));
    this.#running.set(name, { abort: execution.abort, result });
    return result;
  }

  get running(): number {
    return this.#running.size;
  }

  /** Waits for every running execution (tests), or aborts them (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.#running.values()].map((execution) => execution.result));
  }

  stop(): void {
    for (const execution of this.#running.values()) execution.abort();
  }
}
