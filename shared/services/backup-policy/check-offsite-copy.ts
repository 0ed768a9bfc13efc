import { type FieldIssue, UnknownReferenceError } from '#shared/domain/errors.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';

/**
 * An off-site copy (`backup.copyOf`) must name another backup policy of the tenant that is not
 * itself a copy, and write to another storage than it: a second archive on the same storage
 * survives nothing the first does not. Throws one 422 naming what is wrong; changes nothing.
 */
export async function checkOffsiteCopy(deps: ServiceDeps, policy: Policy): Promise<void> {
  const copyOf = policy.backup?.copyOf;
  if (copyOf === undefined || !policy.backup) return;
  const issue = (rule: string, message: string): FieldIssue => ({ path: 'backup.copyOf', rule, message });
  const source = copyOf === policy.id ? undefined : await deps.store.policies.get(policy.tenantId, copyOf);
  let problem: FieldIssue | undefined;
  if (copyOf === policy.id)
    problem = issue('backup.copy-of.self', 'a policy cannot be its own off-site copy');
  else if (!source) problem = issue('backup.copy-of.missing', `policy ${copyOf} does not exist`);
  else if (source.kind !== 'backup' || !source.backup)
    problem = issue(
      'backup.copy-of.kind',
      `policy '${source.name}' takes snapshots, not backups: there is nothing to copy`,
    );
  else if (source.backup.copyOf !== undefined)
    problem = issue(
      'backup.copy-of.chain',
      `policy '${source.name}' is an off-site copy itself: name the policy it copies`,
    );
  else if (source.backup.storage === policy.backup.storage)
    problem = issue(
      'backup.copy-of.storage',
      `an off-site copy needs another storage than its source's ('${source.backup.storage}')`,
    );
  if (problem) throw new UnknownReferenceError([problem]);
}
