import { AppError } from './errors.ts';

/**
 * Errors from a Proxmox VE cluster, one class per thing a caller reacts to differently. They
 * are part of the service's one error tree: the API maps them like any AppError, and workflow
 * steps match them by `name` (e.g. retry on `ProxmoxLockedError`).
 */
export abstract class ProxmoxError extends AppError {
  /** The text Proxmox gave (reason phrase, body message or task exit status). */
  readonly proxmoxText: string;
  /** The HTTP status Proxmox answered with, when the error came from a response. */
  readonly httpStatus?: number;

  constructor(message: string, proxmoxText: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(message, options);
    this.proxmoxText = proxmoxText;
    if (options?.httpStatus !== undefined) this.httpStatus = options.httpStatus;
  }
}

/** The token was refused (401): wrong id or secret, expired or deleted token. */
export class ProxmoxAuthError extends ProxmoxError {
  readonly type = 'proxmox-auth-failed';
  readonly title = 'Proxmox refused the API token';
}

/** The token lacks a privilege (403); names the ACL path and privilege when Proxmox does. */
export class ProxmoxPermissionError extends ProxmoxError {
  readonly type = 'proxmox-permission-denied';
  readonly title = 'The API token lacks a Proxmox privilege';
  readonly aclPath?: string;
  readonly privilege?: string;

  constructor(message: string, proxmoxText: string, aclPath?: string, privilege?: string) {
    super(message, proxmoxText);
    if (aclPath !== undefined) this.aclPath = aclPath;
    if (privilege !== undefined) this.privilege = privilege;
  }
}

/** Proxmox rejected a parameter (400); `fields` is its per-parameter map. */
export class ProxmoxInvalidParameterError extends ProxmoxError {
  readonly type = 'proxmox-invalid-parameter';
  readonly title = 'Proxmox rejected a parameter';
  readonly fields: Record<string, string>;

  constructor(message: string, proxmoxText: string, fields: Record<string, string>) {
    super(message, proxmoxText);
    this.fields = fields;
  }
}

/** A guest, snapshot, node, storage, volume or task does not exist on the cluster. */
export class ProxmoxNotFoundError extends ProxmoxError {
  readonly type = 'proxmox-not-found';
  readonly title = 'Not found on the Proxmox cluster';
}

/** The guest is locked by another operation (`VM is locked (backup)`); `lock` is its kind. */
export class ProxmoxLockedError extends ProxmoxError {
  readonly type = 'proxmox-locked';
  readonly title = 'The guest is locked by another Proxmox operation';
  readonly lock: string;

  constructor(message: string, proxmoxText: string, lock: string) {
    super(message, proxmoxText);
    this.lock = lock;
  }
}

/** The thing to create exists already (`snapshot name 'x' already used`, vmid taken). */
export class ProxmoxAlreadyExistsError extends ProxmoxError {
  readonly type = 'proxmox-already-exists';
  readonly title = 'It already exists on the Proxmox cluster';
}

/** A task ended with an error Proxmox reported only in its exit status. */
export class ProxmoxTaskFailedError extends ProxmoxError {
  readonly type = 'proxmox-task-failed';
  readonly title = 'A Proxmox task failed';
  readonly upid: string;

  constructor(message: string, proxmoxText: string, upid: string) {
    super(message, proxmoxText);
    this.upid = upid;
  }
}

/** The cluster or the node could not be reached (connection, timeout, 595/596 from the proxy). */
export class ProxmoxUnreachableError extends ProxmoxError {
  readonly type = 'proxmox-unreachable';
  readonly title = 'The Proxmox cluster could not be reached';
}

/** The server's certificate is not the pinned one, or does not verify against the given CA. */
export class ProxmoxTlsError extends ProxmoxError {
  readonly type = 'proxmox-tls-failed';
  readonly title = 'The Proxmox server certificate is not trusted';
  readonly expected?: string;
  readonly actual?: string;

  constructor(message: string, proxmoxText: string, expected?: string, actual?: string) {
    super(message, proxmoxText);
    if (expected !== undefined) this.expected = expected;
    if (actual !== undefined) this.actual = actual;
  }
}

/** The server does not offer what was asked (501: an older Proxmox version, or no such API). */
export class ProxmoxUnsupportedError extends ProxmoxError {
  readonly type = 'proxmox-unsupported';
  readonly title = 'The Proxmox cluster does not support this';
}

/** Any other failure Proxmox reported (HTTP 500 with an unrecognised text). */
export class ProxmoxServerError extends ProxmoxError {
  readonly type = 'proxmox-error';
  readonly title = 'The Proxmox cluster reported an error';
}

/** Why a guest-agent call could not run, as Proxmox says it (qemu-server `QemuServer/Agent.pm`). */
export type GuestAgentProblem = 'not-configured' | 'not-running' | 'guest-stopped' | 'command-failed';

/**
 * A QEMU guest-agent call failed: no agent configured, the agent does not answer, the VM is not
 * running, or the agent refused the command (`VM 100 qga command 'guest-exec' failed - ...`).
 */
export class ProxmoxGuestAgentError extends ProxmoxError {
  readonly type = 'proxmox-guest-agent-unavailable';
  readonly title = 'The QEMU guest agent could not run the command';
  readonly agentProblem: GuestAgentProblem;

  constructor(message: string, proxmoxText: string, agentProblem: GuestAgentProblem) {
    super(message, proxmoxText);
    this.agentProblem = agentProblem;
  }
}
