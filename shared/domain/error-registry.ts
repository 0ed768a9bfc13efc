import { AgentOfflineError, AgentOutdatedError } from './agent/agent-errors.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import {
  type GuestAgentProblem,
  ProxmoxAlreadyExistsError,
  ProxmoxAuthError,
  ProxmoxGuestAgentError,
  ProxmoxInvalidParameterError,
  ProxmoxLockedError,
  ProxmoxNotFoundError,
  ProxmoxPermissionError,
  ProxmoxServerError,
  ProxmoxTaskFailedError,
  ProxmoxTlsError,
  ProxmoxUnreachableError,
  ProxmoxUnsupportedError,
} from './proxmox-errors.ts';

/** What survives of an error that crossed a Lambda invocation: its name, message and fields. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

const FIELDS = [
  'proxmoxText',
  'httpStatus',
  'lock',
  'upid',
  'aclPath',
  'privilege',
  'expected',
  'actual',
  'fields',
  'issues',
  'clusterId',
  'offlineSince',
  'command',
  'storageGuard',
  'agentProblem',
];

/** Turns an error into plain data that can be sent as JSON and rebuilt by {@link reviveError}. */
export function serializeError(error: unknown): SerializedError {
  const source = error as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const field of FIELDS) if (source?.[field] !== undefined) fields[field] = source[field];
  return {
    name: (error as Error)?.name ?? 'Error',
    message: (error as Error)?.message ?? String(error),
    fields,
  };
}

type Reviver = (message: string, fields: Record<string, unknown>) => Error;

const text = (fields: Record<string, unknown>) => String(fields.proxmoxText ?? '');
const REVIVERS: Record<string, Reviver> = {
  ProxmoxAuthError: (m, f) => new ProxmoxAuthError(m, text(f)),
  ProxmoxPermissionError: (m, f) =>
    new ProxmoxPermissionError(
      m,
      text(f),
      f.aclPath as string | undefined,
      f.privilege as string | undefined,
    ),
  ProxmoxInvalidParameterError: (m, f) =>
    new ProxmoxInvalidParameterError(m, text(f), (f.fields as Record<string, string>) ?? {}),
  ProxmoxNotFoundError: (m, f) => new ProxmoxNotFoundError(m, text(f)),
  ProxmoxLockedError: (m, f) => new ProxmoxLockedError(m, text(f), String(f.lock ?? '')),
  ProxmoxAlreadyExistsError: (m, f) => new ProxmoxAlreadyExistsError(m, text(f)),
  ProxmoxTaskFailedError: (m, f) => new ProxmoxTaskFailedError(m, text(f), String(f.upid ?? '')),
  ProxmoxUnreachableError: (m, f) =>
    new ProxmoxUnreachableError(
      m,
      text(f),
      f.httpStatus !== undefined ? { httpStatus: Number(f.httpStatus) } : {},
    ),
  ProxmoxTlsError: (m, f) =>
    new ProxmoxTlsError(m, text(f), f.expected as string | undefined, f.actual as string | undefined),
  ProxmoxUnsupportedError: (m, f) => new ProxmoxUnsupportedError(m, text(f)),
  ProxmoxServerError: (m, f) => new ProxmoxServerError(m, text(f)),
  ProxmoxGuestAgentError: (m, f) =>
    new ProxmoxGuestAgentError(m, text(f), (f.agentProblem as GuestAgentProblem) ?? 'command-failed'),
  ValidationError: (m, f) =>
    new ValidationError((f.issues as never) ?? [{ path: '', rule: 'invalid', message: m }], m),
  NotFoundError: (m) => Object.assign(new NotFoundError('resource', ''), { message: m }),
  ConflictError: (m) => new ConflictError(m),
  ForbiddenError: (m) => new ForbiddenError(m),
  AgentOfflineError: (m, f) =>
    Object.assign(
      new AgentOfflineError('', String(f.clusterId ?? ''), f.offlineSince as string | undefined),
      {
        message: m,
      },
    ),
  AgentOutdatedError: (m, f) =>
    Object.assign(new AgentOutdatedError('', '', String(f.command ?? '')), { message: m }),
};

/** Rebuilds the typed error a remote call failed with; unknown kinds stay plain errors. */
export function reviveError(serialized: SerializedError): Error {
  const revive = REVIVERS[serialized.name];
  if (revive) return revive(serialized.message, serialized.fields ?? {});
  const error = new Error(serialized.message);
  error.name = serialized.name;
  return error;
}

/*
 * The one wire format of a failure between the service's parts. A Lambda function (the connector,
 * a workflow step) throws an error whose `name` is the error's name (Step Functions matches it in
 * Retry/Catch) and whose message is the serialized error as JSON; the caller (the Lambda gateway,
 * a step reading a Catch's `Cause`, an agent's answer) rebuilds the same typed error from it.
 */

/** The error a function throws so that its name and fields survive the invocation. */
export function toWireFailure(error: unknown): Error {
  const serialized = serializeError(error);
  const failure = new Error(JSON.stringify(serialized));
  failure.name = serialized.name;
  return failure;
}

/** How Lambda reports a failed invocation: in the response payload, and in a Catch's `Cause`. */
export interface LambdaFailure {
  readonly errorType?: string;
  readonly errorMessage?: string;
}

/** The Lambda failure report of an error, as Lambda gives it to Step Functions. */
export function toLambdaFailure(error: unknown): LambdaFailure {
  const serialized = serializeError(error);
  return { errorType: serialized.name, errorMessage: JSON.stringify(serialized) };
}

/** The serialized error inside a Lambda failure report; a plain message stays a plain message. */
export function fromLambdaFailure(failure: LambdaFailure): SerializedError {
  const plain = { name: failure.errorType ?? 'Error', message: failure.errorMessage ?? 'function failed' };
  try {
    const parsed = JSON.parse(failure.errorMessage ?? '') as SerializedError;
    if (parsed && typeof parsed.name === 'string') return parsed;
  } catch {
    // a plain message: keep it
  }
  return plain;
}

/** The serialized error of a Step Functions Catch `Cause` (a Lambda failure report as JSON), if it is one. */
export function fromStepCause(cause: string): SerializedError | undefined {
  try {
    const report = JSON.parse(cause) as LambdaFailure;
    if (typeof report?.errorMessage !== 'string') return undefined;
    return fromLambdaFailure(report);
  } catch {
    return undefined;
  }
}
