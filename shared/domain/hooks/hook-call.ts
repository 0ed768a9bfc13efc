import type { HookPhase } from './hook-spec.ts';

/**
 * `calling` (claimed, request on its way), `running` (a guest-agent command runs), `awaiting` (an
 * HTTPS receiver answered 202 and will call back), then `succeeded`, `failed` or `timed-out`.
 */
export const HOOK_CALL_STATUSES = [
  'calling',
  'running',
  'awaiting',
  'succeeded',
  'failed',
  'timed-out',
] as const;
type HookCallStatus = (typeof HOOK_CALL_STATUSES)[number];

/**
 * One hook call of one guest in one run and phase: written before the call (the key is the
 * idempotency key: a retried step finds it and never calls twice), completed with what happened.
 */
export interface HookCall {
  readonly tenantId: string;
  readonly runId: string;
  readonly guestId: string;
  readonly phase: HookPhase;
  readonly kind: 'https' | 'agent';
  /** The URL, or the agent's command line. */
  readonly target: string;
  readonly onFailure: 'abort' | 'continue';
  readonly status: HookCallStatus;
  readonly startedAt: string;
  /** Epoch ms after which a running agent command counts as timed out. */
  readonly deadline: number;
  readonly finishedAt?: string;
  readonly latencyMs?: number;
  /** The receiver's HTTP status. */
  readonly httpStatus?: number;
  /** The agent command's exit code. */
  readonly exitCode?: number;
  /** The guest agent's process id, while the command runs. */
  readonly pid?: number;
  /** The first bytes of the answer (HTTP body, or the command's output). */
  readonly responseHead?: string;
  readonly error?: string;
  /** SHA-256 (hex) of the callback token's secret part, while an HTTPS call may be called back. */
  readonly callbackHash?: string;
  /** The waiting workflow task's token, once it waits for the callback. */
  readonly taskToken?: string;
  /** What the receiver's callback said (`continue` or `abort`). */
  readonly callbackOutcome?: 'continue' | 'abort';
}

/** Bytes of a hook's answer kept with its call. */
export const RESPONSE_HEAD_BYTES = 256;

/** The first {@link RESPONSE_HEAD_BYTES} of an answer, cut on a character boundary. */
export function responseHead(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= RESPONSE_HEAD_BYTES) return text;
  return bytes
    .subarray(0, RESPONSE_HEAD_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

/** Whether a finished call lets its guest go on. */
export const hookCallOk = (call: Pick<HookCall, 'status'>) => call.status === 'succeeded';
