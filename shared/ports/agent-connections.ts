import type { AgentAnswerRecord } from '#shared/domain/agent/agent-connection.ts';

/**
 * The open WebSocket connections of agents: API Gateway's management API in AWS
 * (PostToConnection, DeleteConnection), the local WebSocket gateway in the local runtime.
 */
export interface AgentConnections {
  /** Sends one message; false when the connection is gone. */
  send(connectionId: string, message: object): Promise<boolean>;
  /** Closes a connection now (a revoked key, a replaced connection). */
  close(connectionId: string): Promise<void>;
}

/**
 * How a waiting command learns that its answer came. In AWS the answer arrives in another
 * function, so the waiter polls the table ({@link pollingAnswers}); locally the message handler
 * runs in the same process and hands the waiter the answer it stored, at once.
 */
export interface AnswerSignal {
  /**
   * Resolves when `notify(commandId)` is called, with the answer it carried (the waiter then needs
   * no table read), or after `ms` with nothing, whichever comes first.
   */
  wait(commandId: string, ms: number): Promise<AgentAnswerRecord | undefined>;
  /** The answer to `commandId` was stored (`answer`: as stored, when it is whole). */
  notify(commandId: string, answer?: AgentAnswerRecord): void;
  /**
   * Whether `notify` reaches the waiter (one process): the waiter then reads the table when
   * notified and polls only as a fallback; otherwise its looks are timed to when answers come.
   */
  readonly notifies: boolean;
}

export const pollingAnswers: AnswerSignal = {
  wait: (_commandId, ms) => new Promise((resolve) => setTimeout(() => resolve(undefined), ms)),
  notify: () => {},
  notifies: false,
};

/** How many notifications that found no waiter are kept for a wait that comes later. */
const EARLY_NOTIFICATIONS = 1_000;

/**
 * Answers signalled within one process (the local runtime), with the poll as a fallback. A
 * notification that comes while the waiter is not waiting (it is reading the table after a
 * poll) is kept, so its next wait ends at once instead of sleeping a whole poll interval.
 */
export function inProcessAnswers(): AnswerSignal {
  type Done = (answer?: AgentAnswerRecord) => void;
  const waiters = new Map<string, Set<Done>>();
  const early = new Map<string, AgentAnswerRecord | undefined>();
  return {
    notifies: true,
    wait: (commandId, ms) =>
      new Promise((resolve) => {
        if (early.has(commandId)) {
          const answer = early.get(commandId);
          early.delete(commandId);
          resolve(answer);
          return;
        }
        const set = waiters.get(commandId) ?? new Set();
        waiters.set(commandId, set);
        const done: Done = (answer) => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) waiters.delete(commandId);
          resolve(answer);
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      }),
    notify: (commandId, answer) => {
      const set = waiters.get(commandId);
      if (!set) {
        early.set(commandId, answer);
        // Oldest first: a command whose waiter is gone (answered, offline) never takes its note.
        if (early.size > EARLY_NOTIFICATIONS) early.delete(early.keys().next().value as string);
        return;
      }
      for (const done of [...set]) done(answer);
    },
  };
}
