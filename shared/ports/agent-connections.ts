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
 * runs in the same process and wakes the waiter at once.
 */
export interface AnswerSignal {
  /** Resolves when `notify(commandId)` is called or after `ms`, whichever comes first. */
  wait(commandId: string, ms: number): Promise<void>;
  notify(commandId: string): void;
}

export const pollingAnswers: AnswerSignal = {
  wait: (_commandId, ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  notify: () => {},
};

/** Answers signalled within one process (the local runtime), with the poll as a fallback. */
export function inProcessAnswers(): AnswerSignal {
  const waiters = new Map<string, Set<() => void>>();
  return {
    wait: (commandId, ms) =>
      new Promise((resolve) => {
        const set = waiters.get(commandId) ?? new Set();
        waiters.set(commandId, set);
        const done = () => {
          clearTimeout(timer);
          set.delete(done);
          if (set.size === 0) waiters.delete(commandId);
          resolve();
        };
        const timer = setTimeout(done, ms);
        set.add(done);
      }),
    notify: (commandId) => {
      for (const done of [...(waiters.get(commandId) ?? [])]) done();
    },
  };
}
