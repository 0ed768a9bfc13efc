import type { ZodError } from 'zod';
import { AppError, type FieldIssue, ValidationError } from '#shared/domain/errors.ts';

/** Stable problem `type` URIs: clients switch on them, so they never change. */
const problemType = (slug: string) => `urn:pve-snapshots:problem:${slug}`;

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly requestId: string;
  readonly errors?: readonly FieldIssue[];
}

/** Turns zod's issues into the service's field issues (dotted path, rule, message). */
export function issuesFromZod(error: ZodError, pathPrefix = ''): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    const base = [pathPrefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: base ? `${base}.${key}` : key,
        rule: 'unknown-field',
        message: `'${key}' is not a known field`,
      }));
    }
    const rule =
      issue.code === 'custom' && typeof issue.params?.rule === 'string' ? issue.params.rule : issue.code;
    return [{ path: base, rule, message: issue.message }];
  });
}

/**
 * Maps any error to a problem document. Errors of the service's tree keep their status and
 * message; anything else becomes a 500 that reveals nothing about the inside.
 */
export function toProblem(error: unknown, instance: string, requestId: string): ProblemDocument {
  if (error instanceof AppError) {
    return {
      type: problemType(error.type),
      title: error.title,
      status: error.status,
      detail: error.message,
      instance,
      requestId,
      ...(error instanceof ValidationError ? { errors: error.issues } : {}),
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
