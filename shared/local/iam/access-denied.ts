import { LOCAL_ACCOUNT } from '../local-arns.ts';
import type { Decision } from './policy-evaluation.ts';

/** Who makes a call: the role a function or state machine runs as, and its session name. */
export interface Caller {
  /** The role's name (locally its logical id in the template). */
  readonly role: string;
  /** Lambda names the session after the function; Step Functions after the execution. */
  readonly session: string;
}

/**
 * The error an AWS SDK client throws when IAM refuses a call: name, HTTP status and the message
 * AWS writes ("User: <assumed-role ARN> is not authorized to perform: <action> on resource:
 * <ARN> because no identity-based policy allows the <action> action"). SNS names it
 * `AuthorizationErrorException`; the other services `AccessDeniedException`.
 */
export class AccessDeniedError extends Error {
  readonly $fault = 'client';
  readonly $metadata = { httpStatusCode: 403 };
  readonly action: string;
  readonly resource: string;
  readonly caller: Caller;

  constructor(caller: Caller, action: string, resource: string, decision: Exclude<Decision, 'allowed'>) {
    const reason =
      decision === 'explicit-deny'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${action} action`;
    super(
      `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${caller.role}/${caller.session} is not authorized to perform: ${action} on resource: ${resource} ${reason}`,
    );
    this.name = action.toLowerCase().startsWith('sns:')
      ? 'AuthorizationErrorException'
      : 'AccessDeniedException';
    this.action = action;
    this.resource = resource;
    this.caller = caller;
  }
}
