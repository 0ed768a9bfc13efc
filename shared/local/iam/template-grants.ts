import {
  LOCAL_ACCOUNT,
  LOCAL_PSEUDO_PARAMETERS,
  LOCAL_REGION,
  localFunctionArn,
  localSecretArn,
  localStateMachineArn,
} from '../local-arns.ts';
import type { PolicyStatement } from './policy-evaluation.ts';

/** A CloudFormation template, as far as grants and function settings need it. */
export interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** What a function is configured with in the template. */
export interface FunctionSettings {
  readonly arn: string;
  /** The logical id of its execution role. */
  readonly role: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The environment CDK gives it (unresolvable values as `unresolved:...`). */
  readonly environment: Record<string, string>;
}

/**
 * The grants and settings of the synthesized stacks, keyed the way the local runtime names
 * things: functions by their local name (`plan-operation`, `connector`), state machines by
 * their local ARN, roles by logical id.
 */
export interface LocalGrants {
  readonly roles: Record<string, { readonly statements: PolicyStatement[] }>;
  readonly functions: Record<string, FunctionSettings>;
  readonly stateMachines: Record<string, { readonly role: string }>;
  /** Roles the scheduler assumes (its trust policy names `scheduler.amazonaws.com`), by logical id. */
  readonly schedulerRoles: string[];
  /** ARNs of the shared resources of the stateful stack. */
  readonly resources: {
    readonly table?: string;
    readonly topic?: string;
    readonly topicKey?: string;
    readonly bus?: string;
  };
}

const SERVICE_NAME_PREFIX = 'pve-snapshots-';

type Resource = Template['Resources'][string];

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A function's local name: its Powertools service name without the project prefix. */
function functionName(logicalId: string, resource: Resource): string {
  const environment = (
    resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
  )?.Variables;
  const service = environment?.POWERTOOLS_SERVICE_NAME;
  return typeof service === 'string' && service.startsWith(SERVICE_NAME_PREFIX)
    ? service.slice(SERVICE_NAME_PREFIX.length)
    : logicalId;
}

/** `Ref` and `Fn::GetAtt` of the resource types the grants name, as local ARNs and names. */
function attribute(logicalId: string, resource: Resource, name: string): string {
  const properties = resource.Properties ?? {};
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;
  switch (resource.Type) {
    case 'AWS::Lambda::Function': {
      const local = functionName(logicalId, resource);
      return name === 'Ref' ? local : localFunctionArn(local);
    }
    case 'AWS::StepFunctions::StateMachine':
      return name === 'Name' ? logicalId : localStateMachineArn(logicalId);
    case 'AWS::IAM::Role':
      return name === 'Ref' ? logicalId : `arn:aws:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table': {
      const table = text(properties.TableName, logicalId);
      return name === 'Ref' ? table : arn('dynamodb', `table/${table}`);
    }
    case 'AWS::SNS::Topic':
      return name === 'TopicName'
        ? text(properties.TopicName, logicalId)
        : arn('sns', text(properties.TopicName, logicalId));
    case 'AWS::Events::EventBus': {
      const bus = text(properties.Name, logicalId);
      return name === 'Ref' || name === 'Name' ? bus : arn('events', `event-bus/${bus}`);
    }
    case 'AWS::SecretsManager::Secret':
      return localSecretArn(text(properties.Name, logicalId));
    case 'AWS::KMS::Key':
      return name === 'Ref' ? logicalId : arn('kms', `key/${logicalId}`);
    case 'AWS::SQS::Queue': {
      const queue = text(properties.QueueName, logicalId);
      return name === 'Arn'
        ? arn('sqs', queue)
        : `https://sqs.${LOCAL_REGION}.amazonaws.com/${LOCAL_ACCOUNT}/${queue}`;
    }
    case 'AWS::Scheduler::ScheduleGroup':
      return text(properties.Name, logicalId);
    default:
      return `unresolved:${logicalId}.${name}`;
  }
}

/**
 * Resolves the intrinsics CDK writes into policies (`Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Select`/`Fn::Split`, `Fn::ImportValue` of the other stack's exports) to local values.
 * What it cannot resolve becomes `unresolved:...`, which matches no real resource.
 */
class Resolver {
  readonly #templates: readonly Template[];
  readonly #exports = new Map<string, { template: Template; value: unknown }>();

  constructor(templates: readonly Template[]) {
    this.#templates = templates;
    for (const template of templates) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (typeof output.Export?.Name === 'string')
          this.#exports.set(output.Export.Name, { template, value: output.Value });
      }
    }
  }

  resolve(value: unknown, template: Template): string | string[] {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.flatMap((item) => this.resolve(item, template));
    if (typeof value !== 'object' || value === null) return String(value);
    const object = value as Record<string, unknown>;
    const one = (item: unknown) => [this.resolve(item, template)].flat().join(',');
    if ('Ref' in object) {
      const id = String(object.Ref);
      const pseudo = LOCAL_PSEUDO_PARAMETERS[id];
      if (pseudo) return pseudo;
      const resource = template.Resources[id];
      return resource ? attribute(id, resource, 'Ref') : `unresolved:${id}`;
    }
    if ('Fn::GetAtt' in object) {
      const [id, name] = object['Fn::GetAtt'] as [string, string];
      const resource = template.Resources[id];
      return resource ? attribute(id, resource, name) : `unresolved:${id}.${name}`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(one).join(separator);
    }
    if ('Fn::Split' in object) {
      const [separator, source] = object['Fn::Split'] as [string, unknown];
      return one(source).split(separator);
    }
    if ('Fn::Select' in object) {
      const [index, list] = object['Fn::Select'] as [number | string, unknown];
      return [this.resolve(list, template)].flat()[Number(index)] ?? 'unresolved:select';
    }
    if ('Fn::ImportValue' in object) {
      const name = one(object['Fn::ImportValue']);
      const exported = this.#exports.get(name);
      return exported ? this.resolve(exported.value, exported.template) : `unresolved:${name}`;
    }
    return `unresolved:${Object.keys(object)[0] ?? 'value'}`;
  }

  list(value: unknown, template: Template): string[] {
    return value === undefined ? [] : [this.resolve(value, template)].flat();
  }

  get templates(): readonly Template[] {
    return this.#templates;
  }
}

function statementsOf(document: unknown, template: Template, resolver: Resolver): PolicyStatement[] {
  const statements = (document as { Statement?: unknown[] } | undefined)?.Statement ?? [];
  return statements.map((raw) => {
    const statement = raw as Record<string, unknown>;
    return {
      effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
      actions: resolver.list(statement.Action ?? statement.NotAction, template),
      ...(statement.NotAction !== undefined ? { notAction: true } : {}),
      resources: resolver.list(statement.Resource ?? statement.NotResource, template),
      ...(statement.NotResource !== undefined ? { notResource: true } : {}),
      ...(statement.Condition !== undefined ? { conditional: true } : {}),
    };
  });
}

/** The logical id a `Fn::GetAtt [id, Arn]` or `Ref id` points at. */
function referencedId(value: unknown): string | undefined {
  const object = value as Record<string, unknown> | undefined;
  if (object && 'Fn::GetAtt' in object) return (object['Fn::GetAtt'] as [string])[0];
  if (object && typeof object.Ref === 'string') return object.Ref;
  return undefined;
}

function trusts(resource: Resource, service: string): boolean {
  const document = resource.Properties?.AssumeRolePolicyDocument as {
    Statement?: Array<Record<string, unknown>>;
  };
  return (document?.Statement ?? []).some((statement) =>
    [(statement.Principal as { Service?: unknown } | undefined)?.Service].flat().includes(service),
  );
}

function firstOfType(
  templates: readonly Template[],
  types: string[],
): [Template, string, Resource] | undefined {
  for (const template of templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (types.includes(resource.Type)) return [template, id, resource];
    }
  }
  return undefined;
}

/**
 * Reads, from the synthesized templates, every role's identity-based policy statements (its
 * `AWS::IAM::Policy` resources and inline policies; AWS managed policies are left out: the only
 * one attached, the basic execution role, grants nothing but logs), which role each function and
 * state machine runs as, and each function's timeout, memory and environment.
 */
export function grantsFromTemplates(templates: readonly Template[]): LocalGrants {
  const resolver = new Resolver(templates);
  const roles: Record<string, { statements: PolicyStatement[] }> = {};
  const functions: Record<string, FunctionSettings> = {};
  const stateMachines: Record<string, { role: string }> = {};
  const schedulerRoles: string[] = [];
  for (const template of resolver.templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const inline = (resource.Properties?.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? [];
      roles[id] = {
        statements: inline.flatMap((policy) => statementsOf(policy.PolicyDocument, template, resolver)),
      };
      if (trusts(resource, 'scheduler.amazonaws.com')) schedulerRoles.push(id);
    }
  }
  for (const template of resolver.templates) {
    for (const [id, resource] of Object.entries(template.Resources)) {
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::Policy') {
        const statements = statementsOf(properties.PolicyDocument, template, resolver);
        for (const role of (properties.Roles as unknown[] | undefined) ?? []) {
          const roleId = referencedId(role);
          if (roleId && roles[roleId]) roles[roleId].statements.push(...statements);
        }
      } else if (resource.Type === 'AWS::Lambda::Function') {
        const variables =
          (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
        functions[functionName(id, resource)] = {
          arn: attribute(id, resource, 'Arn'),
          role: referencedId(properties.Role) ?? 'unresolved-role',
          // CloudFormation's defaults when a function leaves them out.
          timeoutSeconds: Number(properties.Timeout ?? 3),
          memoryMb: Number(properties.MemorySize ?? 128),
          environment: Object.fromEntries(
            Object.entries(variables).map(([name, value]) => [
              name,
              [resolver.resolve(value, template)].flat().join(','),
            ]),
          ),
        };
      } else if (resource.Type === 'AWS::StepFunctions::StateMachine') {
        stateMachines[localStateMachineArn(id)] = {
          role: referencedId(properties.RoleArn) ?? 'unresolved-role',
        };
      }
    }
  }
  const arnOf = (types: string[]) => {
    const found = firstOfType(resolver.templates, types);
    return found ? attribute(found[1], found[2], 'Arn') : undefined;
  };
  const topic = firstOfType(resolver.templates, ['AWS::SNS::Topic']);
  const keyId = referencedId(topic?.[2].Properties?.KmsMasterKeyId);
  const key = keyId ? topic?.[0].Resources[keyId] : undefined;
  const table = arnOf(['AWS::DynamoDB::GlobalTable', 'AWS::DynamoDB::Table']);
  const bus = arnOf(['AWS::Events::EventBus']);
  const resources = {
    ...(table ? { table } : {}),
    ...(topic ? { topic: attribute(topic[1], topic[2], 'Ref') } : {}),
    ...(keyId && key ? { topicKey: attribute(keyId, key, 'Arn') } : {}),
    ...(bus ? { bus } : {}),
  };
  return { roles, functions, stateMachines, schedulerRoles, resources };
}
