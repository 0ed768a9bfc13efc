import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { TaskCallbacks } from '#shared/ports/task-callbacks.ts';

/** Step Functions limits of SendTaskFailure's fields (characters). */
const ERROR_LIMIT = 256;
const CAUSE_LIMIT = 32_768;

/** A token whose task is over (or never was): the answer has nowhere to go. */
function closedToken(error: unknown): boolean {
  return error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;
}

async function unlessClosed(send: Promise<unknown>): Promise<boolean> {
  try {
    await send;
    return true;
  } catch (error) {
    if (closedToken(error)) return false;
    throw error;
  }
}

/** Answers waiting tasks through Step Functions' SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. */
export class SfnTaskCallbacks implements TaskCallbacks {
  readonly #client: SFNClient;

  constructor(client: SFNClient) {
    this.#client = client;
  }

  succeed(token: string, output: unknown): Promise<boolean> {
    return unlessClosed(
      this.#client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output ?? null) }),
      ),
    );
  }

  fail(token: string, error: string, cause: string): Promise<boolean> {
    return unlessClosed(
      this.#client.send(
        new SendTaskFailureCommand({
          taskToken: token,
          error: error.slice(0, ERROR_LIMIT),
          cause: cause.slice(0, CAUSE_LIMIT),
        }),
      ),
    );
  }

  heartbeat(token: string): Promise<boolean> {
    return unlessClosed(this.#client.send(new SendTaskHeartbeatCommand({ taskToken: token })));
  }
}
