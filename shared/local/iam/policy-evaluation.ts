/** One statement of an identity-based policy, its intrinsics already resolved to local ARNs. */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  /** `Action` (or, with `notAction`, the actions it does NOT cover). */
  readonly actions: readonly string[];
  readonly notAction?: boolean;
  readonly resources: readonly string[];
  readonly notResource?: boolean;
  /**
   * The statement has a `Condition`. The local runtime cannot evaluate conditions (request
   * context, tags), so an Allow with one grants nothing here and a Deny with one always applies:
   * a mistake is found locally rather than in AWS.
   */
  readonly conditional?: boolean;
}

export type Decision = 'allowed' | 'implicit-deny' | 'explicit-deny';

/**
 * IAM's wildcard match: `*` any run of characters (also none, also `:` and `/`), `?` exactly one.
 * Actions compare without regard to case (`SNS:Publish` is `sns:Publish`), resources exactly.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function covers(statement: PolicyStatement, action: string, resource: string): boolean {
  const actionListed = statement.actions.some((pattern) => wildcardMatch(pattern, action, true));
  const resourceListed = statement.resources.some((pattern) => wildcardMatch(pattern, resource));
  return (
    (statement.notAction ? !actionListed : actionListed) &&
    (statement.notResource ? !resourceListed : resourceListed)
  );
}

/**
 * IAM's evaluation for one principal's identity-based policies: an explicit Deny wins, then any
 * Allow, else the request is implicitly denied.
 */
export function evaluate(statements: readonly PolicyStatement[], action: string, resource: string): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!covers(statement, action, resource)) continue;
    if (statement.effect === 'Deny') return 'explicit-deny';
    if (!statement.conditional) allowed = true;
  }
  return allowed ? 'allowed' : 'implicit-deny';
}
