import { createHash } from 'node:crypto';

/** The longest start window a policy may ask for (EventBridge Scheduler allows up to 1,440 minutes). */
export const MAX_START_WINDOW_MINUTES = 240;

/**
 * Where inside its start window a tick of a policy starts, in ms after the tick: fixed for a
 * (policy, tick), spread across policies, so thousands of policies on the same minute do not all
 * start at once. The run keeps the tick as its scheduled time, so a tick still makes one run.
 */
export function startOffsetMs(policyId: string, tickMs: number, windowMinutes: number): number {
  const digest = createHash('sha256').update(`${policyId}@${tickMs}`).digest();
  return digest.readUInt32BE(0) % (windowMinutes * 60_000);
}
