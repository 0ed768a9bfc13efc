/**
 * Answers to Step Functions tasks that wait for their token (`.waitForTaskToken`): the workflow
 * waits on a callback instead of polling. Step Functions' SendTask* API in AWS, the local
 * runner's tokens in the local runtime.
 */
export interface TaskCallbacks {
  /** Ends the waiting task with `output`; false when its token is closed (answered, timed out, never issued). */
  succeed(token: string, output: unknown): Promise<boolean>;
  /** Fails the waiting task with `error` (what Retry/Catch match) and `cause`; false when the token is closed. */
  fail(token: string, error: string, cause: string): Promise<boolean>;
  /** The task is still being worked on: its heartbeat timeout starts again; false when the token is closed. */
  heartbeat(token: string): Promise<boolean>;
}
