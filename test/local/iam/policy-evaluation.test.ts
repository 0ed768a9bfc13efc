import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '#shared/local/iam/access-denied.ts';
import { evaluate, type PolicyStatement, wildcardMatch } from '#shared/local/iam/policy-evaluation.ts';

const allow = (
  actions: string[],
  resources: string[],
  extra: Partial<PolicyStatement> = {},
): PolicyStatement => ({
  effect: 'Allow',
  actions,
  resources,
  ...extra,
});
const connector = 'arn:aws:lambda:local:000000000000:function:connector';

describe('IAM policy evaluation', () => {
  it('allows only an action a statement lists, on a resource it lists', () => {
    const statements = [allow(['lambda:InvokeFunction'], [connector, `${connector}:*`])];
    expect(evaluate(statements, 'lambda:InvokeFunction', connector)).toBe('allowed');
    expect(evaluate(statements, 'lambda:InvokeFunction', `${connector}:live`)).toBe('allowed');
    expect(evaluate(statements, 'lambda:InvokeFunction', `${connector}-other`)).toBe('implicit-deny');
    expect(evaluate(statements, 'lambda:GetFunction', connector)).toBe('implicit-deny');
    expect(evaluate([], 'lambda:InvokeFunction', connector)).toBe('implicit-deny');
  });

  it('matches action wildcards without regard to case, resource wildcards exactly', () => {
    const statements = [
      allow(
        ['kms:GenerateDataKey*', 'SNS:publish'],
        ['arn:aws:kms:local:000000000000:key/*', 'arn:aws:sns:*'],
      ),
      allow(
        ['secretsmanager:GetSecretValue'],
        ['arn:aws:secretsmanager:local:000000000000:secret:pve-snapshots/clusters/*'],
      ),
    ];
    expect(evaluate(statements, 'kms:GenerateDataKey', 'arn:aws:kms:local:000000000000:key/K')).toBe(
      'allowed',
    );
    expect(evaluate(statements, 'sns:Publish', 'arn:aws:sns:local:000000000000:Topic')).toBe('allowed');
    const secret = (name: string) => `arn:aws:secretsmanager:local:000000000000:secret:${name}-AbCdEf`;
    expect(evaluate(statements, 'secretsmanager:GetSecretValue', secret('pve-snapshots/clusters/t/c'))).toBe(
      'allowed',
    );
    expect(evaluate(statements, 'secretsmanager:GetSecretValue', secret('pve-snapshots/webhooks/t/s'))).toBe(
      'implicit-deny',
    );
    expect(evaluate(statements, 'secretsmanager:GetSecretValue', secret('PVE-SNAPSHOTS/clusters/t/c'))).toBe(
      'implicit-deny',
    );
  });

  it('lets an explicit Deny win over any Allow, and an Allow with a condition grant nothing', () => {
    const table = 'arn:aws:dynamodb:local:000000000000:table/T';
    const statements: PolicyStatement[] = [
      allow(['dynamodb:*'], [table]),
      { effect: 'Deny', actions: ['dynamodb:DeleteItem'], resources: ['*'] },
    ];
    expect(evaluate(statements, 'dynamodb:GetItem', table)).toBe('allowed');
    expect(evaluate(statements, 'dynamodb:DeleteItem', table)).toBe('explicit-deny');
    expect(
      evaluate([allow(['dynamodb:GetItem'], [table], { conditional: true })], 'dynamodb:GetItem', table),
    ).toBe('implicit-deny');
    expect(
      evaluate([allow(['dynamodb:GetItem'], [table], { notAction: true })], 'dynamodb:PutItem', table),
    ).toBe('allowed');
  });

  it('matches `*` across any characters and `?` one, never more', () => {
    const literal = fc.string().filter((text) => !/[*?]/.test(text));
    fc.assert(
      fc.property(literal, literal, literal, (prefix, middle, suffix) => {
        expect(wildcardMatch(`${prefix}*${suffix}`, `${prefix}${middle}${suffix}`)).toBe(true);
        expect(wildcardMatch(`${prefix}?`, `${prefix}${middle}`)).toBe(middle.length === 1);
        expect(wildcardMatch(`${prefix}.`, `${prefix}x`)).toBe(false);
      }),
    );
  });

  it('writes the refusal as AWS does: AccessDeniedException with the assumed role and the action', () => {
    const denied = new AccessDeniedError(
      { role: 'PlanOperationFunctionServiceRole', session: 'plan-operation' },
      'lambda:InvokeFunction',
      connector,
      'implicit-deny',
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/PlanOperationFunctionServiceRole/plan-operation is not authorized to perform: lambda:InvokeFunction on resource: ${connector} because no identity-based policy allows the lambda:InvokeFunction action`,
    );
    const sns = new AccessDeniedError(
      { role: 'R', session: 's' },
      'sns:Publish',
      'arn:aws:sns:local:0:T',
      'explicit-deny',
    );
    expect(sns.name).toBe('AuthorizationErrorException');
    expect(sns.message).toMatch(/with an explicit deny in an identity-based policy$/);
  });
});
