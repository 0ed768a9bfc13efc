import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, Validations } from 'aws-cdk-lib';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { functionTimeoutSeconds } from '#shared/config/time-budgets.ts';
import { environmentOf, type Use } from './function-uses.ts';

export interface ServiceFunctionProps {
  /** Entry file, relative to the repository root (e.g. `functions/api/http-api.ts`). */
  readonly entry: string;
  /** Settings that name no resource (claims, sender address, ...); resources come from `uses`. */
  readonly environment?: Record<string, string>;
  /** What the function uses: each sets its variables and grants its access together. */
  readonly uses?: readonly Use[];
  /** Default: 512 MB. */
  readonly memorySize?: number;
  /** Default: one month. */
  readonly logRetention?: RetentionDays;
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const bundler = fileURLToPath(new URL('../bundling/bundle-function.ts', import.meta.url));

/**
 * A Lambda function of the service: Node.js 24 on arm64, bundled locally by esbuild as ESM
 * (top-level await builds dependencies once per cold start), with its own log group. Bundling
 * never needs Docker: it runs the project's bundler script on this machine's Node.
 */
export class ServiceFunction extends Construct {
  public readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    const code = Code.fromAsset(repositoryRoot, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24'),
        // CDK caches bundles by the serializable bundling options; the entry must be one of them,
        // or every function of the app would get the first function's bundle.
        environment: { SERVICE_FUNCTION_ENTRY: props.entry },
        local: {
          tryBundle(outputDir) {
            const result = spawnSync(
              process.execPath,
              [bundler, `${repositoryRoot}${props.entry}`, outputDir],
              {
                stdio: 'inherit',
              },
            );
            if (result.status !== 0) throw new Error(`bundling ${props.entry} failed`);
            return true;
          },
        },
      },
    });
    this.function = new LambdaFunction(this, 'Function', {
      code,
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      // Every entry's timeout is declared with its worst case in one table (time-budgets.ts).
      timeout: Duration.seconds(functionTimeoutSeconds(props.entry)),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    });
    this.use(...(props.uses ?? []));
    const role = this.function.role ?? this.function;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The basic execution role only lets the function write its own CloudWatch logs.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
  }

  /** Adds uses wired later (a state machine built after the function): their variables and grants. */
  use(...uses: readonly Use[]): void {
    for (const [name, value] of Object.entries(environmentOf(uses)))
      this.function.addEnvironment(name, value);
    for (const use of uses) use.grant(this.function);
  }
}
