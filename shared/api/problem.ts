import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import {
  AppError,
  type ErrorType,
  type FieldIssue,
  ForbiddenError,
  PayloadTooLargeError,
  UnknownReferenceError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '#shared/domain/errors.ts';
import { PlanFeatureError, QuotaExceededError } from '#shared/domain/plans/plan.ts';

/** Stable problem `type` URIs: clients switch on them, so they never change. */
const problemType = (slug: string) => `urn:pve-snapshots:problem:${slug}`;

/** The HTTP status of each kind of error: the one place where the domain's errors meet HTTP. */
export const PROBLEM_STATUS = {
  'validation-failed': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'unknown-reference': 422,
  conflict: 409,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'idempotency-key-reused': 422,
  'idempotency-in-progress': 409,
  'schedule-write-failed': 502,
  'proxmox-auth-failed': 422,
  'proxmox-permission-denied': 422,
  'proxmox-invalid-parameter': 422,
  'proxmox-not-found': 404,
  'proxmox-locked': 409,
  'proxmox-already-exists': 409,
  'proxmox-task-failed': 502,
  'proxmox-unreachable': 502,
  'proxmox-tls-failed': 422,
  'proxmox-unsupported': 422,
  'proxmox-error': 502,
  'proxmox-guest-agent-unavailable': 422,
  'agent-offline': 503,
  'agent-outdated': 422,
  'plan-feature-missing': 403,
  'quota-exceeded': 409,
} as const satisfies Record<ErrorType, number>;

/** The status the API answers an error of the service's tree with. */
export const statusOf = (error: AppError): number => PROBLEM_STATUS[error.type];

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly requestId: string;
  readonly errors?: readonly FieldIssue[];
  /** For 403s caused by the role: the least role the action needs. */
  readonly requiredRole?: string;
  /** For plan and quota refusals: the plan, and the feature or quota it lacks. */
  readonly plan?: string;
  readonly feature?: string;
  readonly quota?: string;
  readonly limit?: number;
}

type ZodIssue = ZodError['issues'][number];

/** The value at `path` inside `input`, or undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function sizeLimit(issue: ZodIssue & { code: 'too_big' | 'too_small' }): string {
  const limit = String(issue.code === 'too_big' ? issue.maximum : issue.minimum);
  const most = issue.code === 'too_big';
  const bound =
    issue.inclusive === false ? (most ? 'less than' : 'more than') : most ? 'at most' : 'at least';
  switch (issue.origin) {
    case 'string':
      return !most && limit === '1' ? 'must not be empty' : `must be ${bound} ${limit} characters long`;
    case 'array':
    case 'set':
      return `must have ${bound} ${limit} items`;
    default:
      return `must be ${bound} ${limit}`;
  }
}

const FORMAT_MESSAGES: Record<string, string> = {
  datetime: 'must be a date and time with an offset, e.g. 2025-01-31T02:00:00Z',
  email: 'must be an email address',
  url: 'must be a URL',
  regex: 'has the wrong format',
};

/**
 * The message a client reads for one issue: the schema's own words where it gave some, and
 * plain words for zod's defaults (never a raw regular expression).
 */
function messageOf(issue: ZodIssue, input: unknown): { rule: string; message: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return { rule: 'required', message: 'is required' };
      return { rule: issue.code, message: `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}` };
    case 'too_big':
    case 'too_small':
      return {
        rule: issue.code,
        message: issue.message.startsWith('Too ') ? sizeLimit(issue) : issue.message,
      };
    case 'invalid_value':
      return {
        rule: issue.code,
        message: issue.message.startsWith('Invalid option')
          ? `must be one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`
          : issue.message,
      };
    case 'invalid_format': {
      const pattern = 'pattern' in issue && typeof issue.pattern === 'string' ? issue.pattern : undefined;
      const fallback = FORMAT_MESSAGES[issue.format] ?? `must be a valid ${issue.format}`;
      const isDefault = issue.message.startsWith('Invalid ') || (pattern && issue.message.includes(pattern));
      return { rule: issue.code, message: isDefault ? fallback : issue.message };
    }
    case 'custom':
      return {
        rule: typeof issue.params?.rule === 'string' ? issue.params.rule : issue.code,
        message: issue.message,
      };
    default:
      return { rule: issue.code, message: issue.message };
  }
}

/**
 * Turns zod's issues into the service's field issues (dotted path, rule, message). `input` is
 * the value that was checked; with it a missing field is told apart from a mistyped one.
 */
export function issuesFromZod(error: ZodError, pathPrefix = '', input?: unknown): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const base = [pathPrefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: base ? `${base}.${key}` : key,
        rule: 'unknown-field',
        message: `'${key}' is not a known field`,
      }));
    }
    return [{ path: base, ...messageOf(issue, input) }];
  });
}

/** The service's error for what Hono's own validators refuse (they throw HTTPException). */
function fromHttpException(error: HTTPException): AppError | undefined {
  if (error.status === 413) return new PayloadTooLargeError('the body is too large');
  if (error.status === 415) return new UnsupportedMediaTypeError('send the body as application/json');
  if (error.status >= 400 && error.status < 500)
    return ValidationError.single('', 'request.malformed', error.message || 'the request is malformed');
  return undefined;
}

/** What a plan or quota refusal adds to its problem document, so a client need not parse the detail. */
function planFields(error: AppError): Pick<ProblemDocument, 'plan' | 'feature' | 'quota' | 'limit'> {
  if (error instanceof PlanFeatureError) return { plan: error.plan, feature: error.feature };
  if (error instanceof QuotaExceededError)
    return { plan: error.plan, quota: error.quota, limit: error.limit };
  return {};
}

/**
 * Maps any error to a problem document. Errors of the service's tree keep their status and
 * message; anything else becomes a 500 that reveals nothing about the inside.
 */
export function toProblem(error: unknown, instance: string, requestId: string): ProblemDocument {
  const known = error instanceof HTTPException ? fromHttpException(error) : error;
  if (known instanceof AppError) {
    return {
      type: problemType(known.type),
      title: known.title,
      status: statusOf(known),
      detail: known.message,
      instance,
      requestId,
      ...(known instanceof ValidationError || known instanceof UnknownReferenceError
        ? { errors: known.issues }
        : {}),
      ...(known instanceof ForbiddenError && known.requiredRole ? { requiredRole: known.requiredRole } : {}),
      ...planFields(known),
    };
  }
  return {
    type: problemType('internal'),
    title: 'Something went wrong on our side',
    status: 500,
    detail: 'The request failed unexpectedly. Retry later; if it keeps failing, report the requestId.',
    instance,
    requestId,
  };
}
