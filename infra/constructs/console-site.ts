import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AssetHashType, CfnOutput, DockerImage, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PUBLIC_ROUTES } from '#shared/api/public-routes.ts';
import { CONSOLE_DIST, consoleIsCurrent } from '#shared/local/console/build-console.ts';

const builder = fileURLToPath(new URL('../../shared/local/console/build-console.ts', import.meta.url));
const consoleSources = fileURLToPath(new URL('../../console', import.meta.url));

/** How the console signs users in: the OIDC issuer the API's JWT authorizer trusts. */
interface ConsoleSignIn {
  readonly issuer: string;
  /** The app client (public, no secret) registered with `https://<console>/auth/callback` as redirect. */
  readonly clientId: string;
  /** Default: `openid`. */
  readonly scopes?: string;
  /** Which token the console sends to the API. Default: the access token. */
  readonly token?: 'access' | 'id';
  readonly claims?: { readonly tenant: string; readonly role: string };
}

export interface ConsoleSiteProps {
  /** The API the console calls; CloudFront forwards /v1/* (and the public documents) to it. */
  readonly httpApi: IHttpApi;
  readonly signIn: ConsoleSignIn;
  /** The built console. Default: Vite's build of console/ on this machine (no Docker). */
  readonly content?: ISource;
}

/**
 * The console in AWS: its build in a private S3 bucket (CloudFront reads it through origin
 * access control), and one CloudFront distribution that serves it at `/` and forwards /v1/*
 * to the HTTP API, so the app calls its API on its own origin, without CORS. Hashed assets are
 * cached for a year, index.html and /console-config.json revalidated; client routes are
 * rewritten to index.html at the edge, never an API path.
 */
export class ConsoleSite extends Construct {
  public readonly bucket: Bucket;
  public readonly distribution: Distribution;
  /** `https://<distribution domain>`; the OIDC client's redirect is this plus /auth/callback. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Content', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the public build of the console, read by CloudFront alone; requests are in the HTTP API access logs where tenant data is concerned.',
    });

    const spaRoutes = new EdgeFunction(this, 'ClientRoutes', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serves index.html for the console client routes (paths without a file extension)',
      code: FunctionCode.fromInline(
        `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`,
      ),
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentSecurityPolicy: {
          // https: for the issuer's discovery and token endpoints (Cognito's live on another host than its issuer).
          contentSecurityPolicy:
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
          override: true,
        },
      },
    });
    const api = new HttpOrigin(Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
    });
    const toApi = {
      origin: api,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Everything but Host: API Gateway routes by its own host name.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Proxmox VE snapshot service console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRoutes, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: Object.fromEntries([
        ['/v1/*', toApi],
        ...PUBLIC_ROUTES.filter((route) => !route.path.startsWith('/v1/')).map((route) => [
          route.path,
          toApi,
        ]),
      ]),
    });
    for (const [rule, reason] of [
      ['AwsSolutions-CFR1', 'The service has no country restriction; tenants sign in wherever they are.'],
      [
        'AwsSolutions-CFR2',
        'No WAF by default: every API request needs a JWT the HTTP API verifies; attach a web ACL (us-east-1) where policy asks for one.',
      ],
      [
        'AwsSolutions-CFR3',
        'Static console files carry no tenant data; API requests are logged by the HTTP API stage access logs.',
      ],
      [
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate allows older TLS; a custom domain with its own certificate sets TLSv1.2_2021.',
      ],
    ] as const) {
      Validations.of(this.distribution).acknowledge({ id: rule, reason });
    }
    this.url = `https://${this.distribution.distributionDomainName}`;

    // Two deployments: hashed assets cached for a year, the rest (index.html, config) revalidated.
    const content = props.content ?? builtConsole();
    const config = Source.jsonData('console-config.json', { auth: { kind: 'oidc', ...props.signIn } });
    const assets = new BucketDeployment(this, 'Assets', {
      destinationBucket: this.bucket,
      sources: [content],
      include: ['assets/*'],
      exclude: ['*'],
      cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
      prune: false,
    });
    const pages = new BucketDeployment(this, 'Pages', {
      destinationBucket: this.bucket,
      sources: [content, config],
      exclude: ['assets/*', '.source-hash'],
      cacheControl: [CacheControl.noCache()],
      prune: false,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/console-config.json'],
    });
    acknowledgeDeploymentHandler(this, [assets, pages]);
    new CfnOutput(this, 'ConsoleUrl', {
      value: this.url,
      description: 'The console; OIDC redirect: <url>/auth/callback',
    });
  }
}

/**
 * CDK's BucketDeployment copies the build with one Lambda function per stack (a singleton
 * outside this construct), whose role and runtime CDK chooses.
 */
function acknowledgeDeploymentHandler(scope: Construct, deployments: BucketDeployment[]): void {
  for (const deployment of deployments) {
    Validations.of(deployment.handlerRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'CDK’s deployment function writes only its own logs with the basic execution role.',
      },
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          'CDK’s grantRead/grantReadWrite on the asset and console buckets only, for copying the build.',
      })),
      ...[
        'arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        `<${Stack.of(scope).getLogicalId(
          (scope as ConsoleSite).bucket.node.defaultChild as CfnBucket,
        )}.Arn>/*`,
        '*',
      ].map((resource) => ({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason:
          'Objects of the CDK asset bucket and the console bucket (keys are content hashes), and CloudFront invalidation, which has no resource-level permission.',
      })),
    );
  }
  const handler = Stack.of(scope)
    .node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'))
    .at(0);
  if (handler)
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'CDK pins the runtime of its own deployment function; it runs only while deploying.',
    });
}

/** The console as Vite builds it on this machine (cached by source hash), as a deployment source. */
function builtConsole(): ISource {
  return Source.asset(consoleSources, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
      local: {
        tryBundle(outputDir) {
          // Vite runs in a process of its own (this hook is synchronous), and only after a change.
          if (!consoleIsCurrent()) {
            const result = spawnSync(process.execPath, [builder], { stdio: 'inherit' });
            if (result.status !== 0) throw new Error('building the console failed');
          }
          cpSync(CONSOLE_DIST, outputDir, {
            recursive: true,
            filter: (source) => !source.endsWith('.source-hash'),
          });
          return true;
        },
      },
    },
  });
}
