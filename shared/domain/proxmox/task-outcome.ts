import {
  ProxmoxAlreadyExistsError,
  type ProxmoxError,
  ProxmoxLockedError,
  ProxmoxNotFoundError,
  ProxmoxTaskFailedError,
} from '#shared/domain/proxmox-errors.ts';
import { taskSucceeded } from './upid.ts';

const LOCKED = /\b(?:VM|CT) is locked \(([^)]+)\)/;
const NOT_FOUND =
  /does not exist|no such (?:cluster node|task|storage|volume|VM)|hostname lookup '[^']*' failed|unable to find VM/i;
const ALREADY = /already (?:used|exists)|config file already exists/i;

/**
 * Classifies an error text of Proxmox by what it means, whether it came from an HTTP 500 or from
 * a task's exit status: locked, not found, already exists, or none of these.
 */
export function classifyProxmoxText(text: string, context: string): ProxmoxError | undefined {
  const locked = LOCKED.exec(text);
  if (locked) return new ProxmoxLockedError(`${context}: ${text}`, text, locked[1] as string);
  if (ALREADY.test(text)) return new ProxmoxAlreadyExistsError(`${context}: ${text}`, text);
  if (NOT_FOUND.test(text)) return new ProxmoxNotFoundError(`${context}: ${text}`, text);
  return undefined;
}

/** Maps a task that ended with an error exit status: the text decides, as for HTTP 500s. */
export function mapTaskFailure(upid: string, exitstatus: string): ProxmoxError {
  const context = `task ${upid}`;
  return (
    classifyProxmoxText(exitstatus, context) ??
    new ProxmoxTaskFailedError(`${context} failed: ${exitstatus}`, exitstatus, upid)
  );
}

/**
 * The one check of a stopped task: `undefined` when it succeeded (`OK`, `WARNINGS: n`), else its
 * typed error (locked, not found, already exists, or a task failure with Proxmox's text). A
 * missing exit status is what Proxmox reports for a vanished worker.
 */
export function stoppedTaskFailure(upid: string, exitstatus: string | undefined): ProxmoxError | undefined {
  const text = exitstatus ?? 'unexpected status';
  return taskSucceeded(text) ? undefined : mapTaskFailure(upid, text);
}
