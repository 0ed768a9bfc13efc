/** Step Functions' limit on one execution's history (a hard quota of Standard workflows). */
export const HISTORY_EVENT_LIMIT = 25_000;

/** An event of aws-local-stepfunctions' event log, as far as counting needs it. */
export interface RunnerEvent {
  readonly type: string;
  readonly state?: { readonly name: string; readonly type?: string };
}

/**
 * Counts the history events Step Functions would record for an execution, from the events
 * aws-local-stepfunctions reports. Step Functions' own history, per state:
 *
 * - the execution: `ExecutionStarted`, and one of `ExecutionSucceeded`/`Failed`/`Aborted`/`TimedOut`;
 * - Pass, Wait, Choice, Succeed: `…StateEntered`, `…StateExited`; Fail: `FailStateEntered` only;
 * - Task: `TaskStateEntered`, then per attempt `TaskScheduled`, `TaskStarted` (and
 *   `TaskSubmitted` for a `.sync` integration, which waits for a job) and one of
 *   `TaskSucceeded`/`TaskFailed`/`TaskTimedOut`, then `TaskStateExited` unless a Catch took the
 *   failure to another state;
 * - Map: `MapStateEntered`, `MapStateStarted`, per iteration `MapIterationStarted` and
 *   `MapIterationSucceeded`/`Failed` (the iteration's states count as above), then
 *   `MapStateSucceeded` and `MapStateExited` (or `MapStateFailed`);
 * - Parallel: `ParallelStateEntered`, `ParallelStateStarted`, the branches' states,
 *   `ParallelStateSucceeded` and `ParallelStateExited` (or `ParallelStateFailed`).
 *
 * Retries add attempts (no event of their own); a caught failure adds no exit. A child started
 * by `startExecution.sync` has a history of its own.
 */
export class HistoryCounter {
  #count = 0;
  readonly #submitting: ReadonlySet<string>;
  /** Caught failures whose state the library still reports as exited (AWS records no exit). */
  readonly #caught = new Map<string, number>();

  /** `syncTasks`: names of Task states that use a `.sync` integration. */
  constructor(syncTasks: ReadonlySet<string> = new Set()) {
    this.#submitting = syncTasks;
  }

  get count(): number {
    return this.#count;
  }

  #attempt(name: string): number {
    return this.#submitting.has(name) ? 4 : 3;
  }

  /** Adds the events one library event stands for; returns the count so far. */
  add(event: RunnerEvent): number {
    const name = event.state?.name ?? '';
    const type = event.state?.type;
    switch (event.type) {
      case 'ExecutionStarted':
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.#count += 1;
        break;
      case 'StateEntered':
        this.#count +=
          type === 'Task' ? 1 + this.#attempt(name) : type === 'Map' || type === 'Parallel' ? 2 : 1;
        break;
      case 'StateRetried':
        if (type === 'Task') this.#count += this.#attempt(name);
        else if (type === 'Map' || type === 'Parallel') this.#count += 2; // entered again: started + failed
        break;
      case 'StateFailed':
        // A Task's failure is the outcome of its attempt (counted on entry); a Map or Parallel
        // records `…StateFailed`.
        if (type === 'Map' || type === 'Parallel') this.#count += 1;
        break;
      case 'StateCaught':
        this.#caught.set(name, (this.#caught.get(name) ?? 0) + 1);
        break;
      case 'StateExited': {
        const caught = this.#caught.get(name) ?? 0;
        if (caught > 0) {
          this.#caught.set(name, caught - 1);
          break;
        }
        this.#count += type === 'Map' || type === 'Parallel' ? 2 : 1;
        break;
      }
      default:
        // ParallelBranch* have no history event of their own; the execution's end is counted
        // by the runner (it is the event the limit leaves room for).
        break;
    }
    return this.#count;
  }
}
