import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConsoleSite } from '#infra/constructs/console-site.ts';
import { WiredStack } from '#infra/constructs/wiring.ts';

function consoleStack(outdir?: string) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, ...(outdir ? { outdir } : {}) });
  const stack = new WiredStack(app, 'Probe');
  const httpApi = new HttpApi(stack, 'Api');
  Validations.of(httpApi).acknowledge({
    id: 'AwsSolutions-APIG1',
    reason: 'A stand-in for the service API.',
  });
  const site = new ConsoleSite(stack, 'Console', {
    httpApi,
    signIn: { issuer: 'https://idp.example.com/pool', clientId: 'console-client' },
    content: Source.data('index.html', '<!doctype html><title>console</title>'),
  });
  return { app, stack, site };
}

const behaviour = (config: any, pattern: string) =>
  config.CacheBehaviors.find((item: { PathPattern: string }) => item.PathPattern === pattern);

describe('the console site', () => {
  const { stack } = consoleStack();
  const template = Template.fromStack(stack);
  const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]?.Properties
    .DistributionConfig;

  it('keeps the bucket private, readable by CloudFront only through origin access control', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    expect(distribution.DefaultRootObject).toBe('index.html');
    expect(distribution.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
  });

  it('forwards /v1/* and the public documents to the HTTP API, uncached, with every method', () => {
    for (const pattern of ['/v1/*', '/openapi.json', '/docs']) {
      const forwarded = behaviour(distribution, pattern);
      expect(forwarded, pattern).toBeDefined();
      expect(forwarded.AllowedMethods).toEqual(
        expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS', 'HEAD']),
      );
      // Managed policies: CachingDisabled and AllViewerExceptHostHeader.
      expect(forwarded.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
      expect(forwarded.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
      expect(forwarded.FunctionAssociations).toBeUndefined();
    }
    const apiOrigin = distribution.Origins.find((origin: any) => origin.CustomOriginConfig);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(apiOrigin.DomainName)).toContain('ApiEndpoint');
  });

  it('answers client routes with index.html at the edge, on the console behaviour only', () => {
    const association = distribution.DefaultCacheBehavior.FunctionAssociations[0];
    expect(association.EventType).toBe('viewer-request');
    const code = Object.values(template.findResources('AWS::CloudFront::Function'))[0]?.Properties
      .FunctionCode;
    // The edge function's rule, run here on the paths it will see.
    const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => {
      uri: string;
    };
    expect(handler({ request: { uri: '/policies/01J9' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/' } }).uri).toBe('/index.html');
    expect(handler({ request: { uri: '/assets/index-AbC.js' } }).uri).toBe('/assets/index-AbC.js');
  });

  it('caches hashed assets for a year and revalidates the pages and the sign-in configuration', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Include: ['assets/*'],
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
    });
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Exclude: Match.arrayWith(['assets/*']),
      SystemMetadata: { 'cache-control': 'no-cache' },
      DistributionPaths: ['/index.html', '/console-config.json'],
    });
    const pages = Object.values(template.findResources('Custom::CDKBucketDeployment')).find(
      (resource) => resource.Properties.DistributionPaths,
    );
    // The build and the generated /console-config.json.
    expect(pages?.Properties.SourceObjectKeys).toHaveLength(2);
  });

  it('sends the security headers with every console file', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("script-src 'self'"),
          }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
  });

  it('passes cdk-nag with every acknowledged finding carrying a reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'console-nag-'));
    const { app } = consoleStack(outdir);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // Unacknowledged findings fail synthesis; the report lists them.
    }
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const violations = report.pluginReports.flatMap(
      (plugin: { violations?: unknown[] }) => plugin.violations ?? [],
    );
    expect(violations.map((violation: { ruleName: string }) => violation.ruleName)).toEqual([]);
  });
});
