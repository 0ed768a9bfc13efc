import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ServiceApi } from '#infra/constructs/service-api.ts';
import { OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';
import { actionsOf, constructFixture, functionId, statementsOf } from './construct-fixture.ts';

function build(extra: { tenantPlans?: string; defaultPlan?: string } = {}) {
  const f = constructFixture();
  new ServiceApi(f.stack, 'Api', {
    ...f,
    jwtIssuer: 'https://issuer.example/',
    jwtAudience: ['aud'],
    ...extra,
  });
  return Template.fromStack(f.stack);
}

describe('the service API', () => {
  it('may create, read and delete secrets only under the cluster and webhook prefixes, and publish events', () => {
    const template = build();
    const statements = statementsOf(template, functionId(template, 'ApiFunction'));
    const managed = JSON.stringify(
      statements.filter((s) => actionsOf([s]).includes('secretsmanager:CreateSecret')).map((s) => s.Resource),
    );
    expect(managed).toContain(':secret:svc/clusters/*');
    expect(managed).toContain(':secret:svc/webhooks/*');
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['sns:Publish', 'events:PutEvents']));
    expect(actionsOf(statements)).not.toContain('secretsmanager:*');
  });

  it('answers every route through the one function, behind the JWT authorizer except public routes', () => {
    const template = build();
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /{proxy+}',
      AuthorizationType: 'JWT',
    });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it('lets only the service operator’s scope onto the operator routes', () => {
    build().hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /operator/{proxy+}',
      AuthorizationType: 'JWT',
      AuthorizationScopes: [OPERATOR_SCOPE],
    });
  });

  it('hands the operator\u2019s plans to the API function only when they are configured', () => {
    const plans = JSON.stringify({ standard: { timezone: 'Europe/Berlin' } });
    const variablesOf = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))[0]?.Properties.Environment.Variables;
    expect(variablesOf(build({ tenantPlans: plans }))).toMatchObject({ TENANT_PLANS: plans });
    expect(variablesOf(build())).not.toHaveProperty('TENANT_PLANS');
    expect(variablesOf(build({ defaultPlan: 'free' }))).toMatchObject({ DEFAULT_PLAN: 'free' });
    expect(variablesOf(build())).not.toHaveProperty('DEFAULT_PLAN');
  });
});
