/**
 * The one error tree of the service. Every layer throws these; the HTTP app maps them to
 * problem+json once, and workflow steps throw them by `name` because Step Functions
 * `Retry`/`Catch` match on the error name.
 */

/** One violated rule of a request, pointing at the field it concerns. */
export interface FieldIssue {
  /** JSON-pointer-like dotted path, e.g. `schedule.cron` or `selector.tags.0`. */
  readonly path: string;
  /** Stable machine-readable rule id, e.g. `cron.both-day-fields`. */
  readonly rule: string;
  readonly message: string;
}

/**
 * Every kind of error the tree knows (this file's and `proxmox-errors.ts`'s), as the stable slug
 * clients see as the problem `type`. The domain says what went wrong; the API alone decides
 * which HTTP status that is (`shared/api/problem.ts`), so no domain error knows about HTTP.
 */
const ERROR_TYPES = [
  'validation-failed',
  'unauthorized',
  'forbidden',
  'not-found',
  'unknown-reference',
  'conflict',
  'precondition-failed',
  'payload-too-large',
  'unsupported-media-type',
  'idempotency-key-reused',
  'idempotency-in-progress',
  'schedule-write-failed',
  'proxmox-auth-failed',
  'proxmox-permission-denied',
  'proxmox-invalid-parameter',
  'proxmox-not-found',
  'proxmox-locked',
  'proxmox-already-exists',
  'proxmox-task-failed',
  'proxmox-unreachable',
  'proxmox-tls-failed',
  'proxmox-unsupported',
  'proxmox-error',
  'proxmox-guest-agent-unavailable',
  'agent-offline',
  'agent-outdated',
  'plan-feature-missing',
  'quota-exceeded',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export abstract class AppError extends Error {
  /** Stable slug used as the problem `type` suffix; clients may switch on it. */
  abstract readonly type: ErrorType;
  /** Short, human title that does not change between occurrences. */
  abstract readonly title: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly type = 'validation-failed';
  readonly title = 'Your request is not valid';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[], message?: string) {
    super(message ?? issues.map((issue) => `${issue.path || '(body)'}: ${issue.message}`).join('; '));
    this.issues = issues;
  }

  static single(path: string, rule: string, message: string): ValidationError {
    return new ValidationError([{ path, rule, message }]);
  }
}

export class UnauthorizedError extends AppError {
  readonly type = 'unauthorized';
  readonly title = 'Authentication is required';
}

export class ForbiddenError extends AppError {
  readonly type = 'forbidden';
  readonly title = 'Your role does not allow this action';
  /** The least role the refused action needs, when a role (not the token itself) was the problem. */
  readonly requiredRole: string | undefined;

  constructor(message: string, options?: { cause?: unknown; requiredRole?: string }) {
    super(message, options);
    this.requiredRole = options?.requiredRole;
  }
}

export class NotFoundError extends AppError {
  readonly type = 'not-found';
  readonly title = 'The resource does not exist';

  constructor(resource: string, id: string) {
    super(`${resource} '${id}' does not exist`);
  }
}

/**
 * The request names something that does not exist (a guest the inventory does not know, a
 * policy): 422, naming each such field. Nothing was changed.
 */
export class UnknownReferenceError extends AppError {
  readonly type = 'unknown-reference';
  readonly title = 'The request names something that does not exist';
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.issues = issues;
  }
}

export class ConflictError extends AppError {
  readonly type = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

export class PreconditionFailedError extends AppError {
  readonly type = 'precondition-failed';
  readonly title = 'The resource has changed since you read it';
}

/**
 * Another request changed the resource between this request's read and its write. Without an
 * If-Match the read-modify-write is simply done again on the new version; it only reaches the
 * client (as 412) when retries run out.
 */
export class StaleWriteError extends PreconditionFailedError {}

export class PayloadTooLargeError extends AppError {
  readonly type = 'payload-too-large';
  readonly title = 'The request body is too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly type = 'unsupported-media-type';
  readonly title = 'The request body must be JSON';
}

export class IdempotencyKeyReuseError extends AppError {
  readonly type = 'idempotency-key-reused';
  readonly title = 'The Idempotency-Key was already used for a different request';
}

export class IdempotencyInProgressError extends AppError {
  readonly type = 'idempotency-in-progress';
  readonly title = 'A request with this Idempotency-Key is still being processed';
}

/** The policy's schedule could not be written; the policy was left as it was. */
export class ScheduleWriteError extends AppError {
  readonly type = 'schedule-write-failed';
  readonly title = 'The schedule could not be written; nothing was changed';
}

/** Throws {@link PreconditionFailedError} when the caller's If-Match names another version than the stored one. */
export function assertVersion(resource: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new PreconditionFailedError(`${resource} is at version ${current}, not ${expected}`);
  }
}
