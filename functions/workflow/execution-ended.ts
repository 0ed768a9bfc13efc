import { type EndedExecution, finishEndedExecution } from '#shared/services/ended-executions.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** What the EventBridge rule sends: which workflow, and the status change's detail. */
interface ExecutionEndedEvent {
  readonly workflow: EndedExecution['workflow'];
  readonly detail: {
    readonly status: EndedExecution['status'];
    /** The execution's input as JSON text (null when it was too large to include). */
    readonly input?: string | null;
    readonly error?: string | null;
    readonly cause?: string | null;
  };
}

/** Invoked by the rule on Step Functions status changes (FAILED, TIMED_OUT, ABORTED). */
export const handler = async ({ workflow, detail }: ExecutionEndedEvent) =>
  finishEndedExecution(deps, {
    workflow,
    status: detail.status,
    input: detail.input ? JSON.parse(detail.input) : undefined,
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.cause ? { cause: detail.cause } : {}),
  });
