import { Duration } from 'aws-cdk-lib';

/**
 * Every Task gets an explicit limit. A Task without `TimeoutSeconds` has none in AWS, while
 * aws-local-stepfunctions gives it 60 s: explicit limits make both runtimes end a task at the
 * same time. A Lambda task's limit is above the function's own timeout (30 s for the steps, 90 s
 * for the connector), so the function's timeout ends a slow call and the task's limit only ends
 * an invocation that was lost. No task uses heartbeats: only activities and task-token callbacks
 * can send them, and a `.sync` child execution cannot.
 */
export const STEP_TASK_TIMEOUT = Duration.seconds(60);
export const CONNECTOR_TASK_TIMEOUT = Duration.minutes(2);
/** Limit of one hook step: an HTTPS hook is waited for in the step, up to the longest hook timeout (10 min). */
export const HOOK_TASK_TIMEOUT = Duration.minutes(11);
