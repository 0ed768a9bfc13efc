import { setTimeout as delay } from 'node:timers/promises';
import { type CommandClient, executeCommand } from '#shared/adapters/proxmox/execute-command.ts';
import type { ConnectorCommand } from '#shared/domain/proxmox/commands.ts';

type FollowTask = Extract<ConnectorCommand, { type: 'followTask' }>;

/** Errors of a status read worth another look: the node answered badly or not at all, for now. */
const TRANSIENT = new Set(['ProxmoxServerError', 'ProxmoxUnreachableError']);
/** The wait before the second look; each later one doubles, up to the command's `everySeconds`. */
const FIRST_LOOK_MS = 200;
/** Consecutive failed looks before the follow gives up (the workflow then polls on its own). */
const MAX_FAILED_LOOKS = 5;

export interface FollowHooks {
  /** Called every `heartbeatSeconds` while the task runs. */
  readonly heartbeat: () => void;
  /** Ends the follow (the agent stops): the wait between looks rejects with an AbortError. */
  readonly signal?: AbortSignal;
}

/**
 * Follows a Proxmox task from inside the tenant's network: runs the command's status command
 * (at once, after 200 ms, then backing off to every `everySeconds`) until it says the task has stopped, and returns that last status (what the
 * workflow would have read with its own last poll). Heartbeats go out while it runs, so the
 * waiting workflow task knows the agent is still at it. A status that cannot be read several
 * times in a row ends the follow with that error.
 */
export async function followTask(
  client: CommandClient,
  command: FollowTask,
  hooks: FollowHooks,
): Promise<unknown> {
  const beat = setInterval(hooks.heartbeat, command.heartbeatSeconds * 1000);
  try {
    let failedLooks = 0;
    let looks = 0;
    for (;;) {
      try {
        const status = (await executeCommand(client, command.until)) as { status?: string };
        failedLooks = 0;
        if (status.status !== 'running') return status;
      } catch (error) {
        if (!TRANSIENT.has((error as Error).name) || ++failedLooks >= MAX_FAILED_LOOKS) throw error;
      }
      // Most snapshot tasks end within a second or two: the first looks come soon, then back off.
      const wait = Math.min(command.everySeconds * 1000, FIRST_LOOK_MS * 2 ** looks++);
      await delay(wait, undefined, hooks.signal ? { signal: hooks.signal } : {});
    }
  } finally {
    clearInterval(beat);
  }
}
