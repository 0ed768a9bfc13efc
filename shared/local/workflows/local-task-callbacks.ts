import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';
import type { LocalWorkflowRunner } from './local-workflow-runner.ts';
import { TaskTokenClosedError } from './task-tokens.ts';

/** What the callbacks need of the local IAM: the calling function's grant on the waiting state machine. */
interface CallbackIam {
  authorize(action: string, resource: string): void;
}

/**
 * Step Functions' SendTask* calls as the local runtime answers them: to the local runner, after
 * checking the caller's grant on the state machine whose task waits (as IAM does in AWS). The
 * runner is passed as a getter: the agent routes are wired before the runner exists.
 */
export function localTaskCallbacks(
  runner: () => LocalWorkflowRunner | undefined,
  iam: CallbackIam,
): TaskCallbacks {
  const answer = async (
    action: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat',
    token: string,
    send: (runner: LocalWorkflowRunner) => void,
  ): Promise<boolean> => {
    const current = runner();
    const stateMachine = current?.stateMachineOfToken(token);
    if (!current || !stateMachine) return false;
    iam.authorize(`states:${action}`, stateMachine);
    try {
      send(current);
      return true;
    } catch (error) {
      if (error instanceof TaskTokenClosedError) return false;
      throw error;
    }
  };
  return {
    succeed: (token, output) => answer('SendTaskSuccess', token, (r) => r.sendTaskSuccess(token, output)),
    fail: (token, error, cause) =>
      answer('SendTaskFailure', token, (r) => r.sendTaskFailure(token, error, cause)),
    heartbeat: (token) => answer('SendTaskHeartbeat', token, (r) => r.sendTaskHeartbeat(token)),
  };
}
