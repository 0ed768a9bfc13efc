import {
  type GuestAgentProblem,
  ProxmoxError,
  ProxmoxGuestAgentError,
} from '#shared/domain/proxmox-errors.ts';

/*
 * The texts qemu-server dies with when a guest-agent call cannot run (`PVE/QemuServer/Agent.pm`
 * `assert_agent_available`, `PVE/QMPClient.pm`): all HTTP 500, told apart only by the text.
 */
const AGENT_TEXTS: ReadonlyArray<readonly [RegExp, GuestAgentProblem]> = [
  [/^No QEMU guest agent configured/, 'not-configured'],
  [/^QEMU guest agent is not running/, 'not-running'],
  [/^VM \d+ is not running/, 'guest-stopped'],
  [/^VM \d+ qga command '[^']+' failed - /, 'command-failed'],
];

/**
 * The typed error of a failed guest-agent call: Proxmox's agent texts become a
 * {@link ProxmoxGuestAgentError} naming the problem; anything else stays as it was. Only agent
 * calls use it, since "VM 100 is not running" means something else elsewhere.
 */
export function asGuestAgentError(error: unknown): unknown {
  if (!(error instanceof ProxmoxError) || error instanceof ProxmoxGuestAgentError) return error;
  const text = error.proxmoxText.trim();
  const match = AGENT_TEXTS.find(([pattern]) => pattern.test(text));
  return match ? new ProxmoxGuestAgentError(error.message, text, match[1]) : error;
}
