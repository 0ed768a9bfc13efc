import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ENV } from '#shared/config/env-names.ts';
import { allowPublishingEvents, type DomainEvents } from './domain-events.ts';
import { acknowledgeInvoke, acknowledgeWildcard, tableIndexesArn } from './nag-acknowledgements.ts';
import { serviceSecretsArn } from './service-secrets.ts';

/**
 * One thing a function uses, declared once: the environment variables that tell the code where
 * it is and the grant that lets the function use it come from the same declaration, so a function
 * can never be told about a resource it may not use (or granted one it is not told about).
 * {@link ServiceFunction} applies a function's uses; `test/infra/grants.test.ts` checks every
 * function of the synthesized template against the rule.
 */
export interface Use {
  readonly environment: Readonly<Record<string, string>>;
  grant(fn: LambdaFunction): void;
}

const GSI_REASON = 'Queries use the table\u2019s GSIs, which are only addressable as <table>/index/*.';

function tableUse(table: ITable, access: 'read' | 'readWrite'): Use {
  return {
    environment: { [ENV.tableName]: table.tableName },
    grant(fn) {
      if (access === 'read') table.grantReadData(fn);
      else table.grantReadWriteData(fn);
      acknowledgeWildcard(fn, tableIndexesArn(fn, table), GSI_REASON);
    },
  };
}

/** The table, read only: gets, queries and scans, nothing written. */
export const tableReadOnly = (table: ITable): Use => tableUse(table, 'read');

/**
 * The table read, plus puts and updates but no deletes: the connector's pre-flight keeps the
 * storage guard's per-run counters (conditional writes).
 */
export function tableReadAndUpdate(table: ITable): Use {
  const read = tableReadOnly(table);
  return {
    environment: read.environment,
    grant(fn) {
      read.grant(fn);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [table.tableArn],
        }),
      );
    },
  };
}

/** The table, read and write. */
export const tableReadWrite = (table: ITable): Use => tableUse(table, 'readWrite');

/** The connector function (the only way to Proxmox): its name, and leave to invoke it. */
export function invokes(connector: LambdaFunction): Use {
  return invokesFunction(
    ENV.connectorFunctionName,
    connector,
    'grantInvoke covers the connector function\u2019s versions and aliases (<arn>:*), nothing else.',
  );
}

/** Another of the service's functions, invoked by name (`variable`); `reason` acknowledges `<arn>:*`. */
export function invokesFunction(variable: string, target: LambdaFunction, reason: string): Use {
  return {
    environment: { [variable]: target.functionName },
    grant(fn) {
      target.grantInvoke(fn);
      acknowledgeInvoke(fn, target, reason);
    },
  };
}

/**
 * Answering the tasks of `stateMachine` that wait for their token (SendTaskSuccess, Failure,
 * Heartbeat): the token names the execution, so the function needs no name of it.
 */
export function answersTasksOf(stateMachine: IStateMachine): Use {
  return { environment: {}, grant: (fn) => stateMachine.grantTaskResponse(fn) };
}

/** Publishing domain events: the topic and the bus. */
export function publishesEvents(events: DomainEvents): Use {
  return {
    environment: { [ENV.eventTopicArn]: events.topic.topicArn, [ENV.eventBusName]: events.bus.eventBusName },
    grant: (fn) => allowPublishingEvents(fn, events),
  };
}

/** What a function may do with the secrets under a prefix: read them, or also create, replace and delete them. */
type SecretAccess = 'read' | 'manage';
const SECRET_ACTIONS: Record<SecretAccess, string[]> = {
  read: ['secretsmanager:GetSecretValue'],
  manage: [
    'secretsmanager:CreateSecret',
    'secretsmanager:PutSecretValue',
    'secretsmanager:GetSecretValue',
    'secretsmanager:DeleteSecret',
  ],
};

/**
 * The secrets the service creates at run time under one name prefix (cluster tokens, webhook
 * signing keys): the prefix in `variable`, and the access granted on `<prefix>/*` only.
 */
export function secretsUnder(
  variable: typeof ENV.secretPrefix | typeof ENV.webhookSecretPrefix,
  prefix: string,
  access: SecretAccess,
  reason: string,
): Use {
  return {
    environment: { [variable]: prefix },
    grant(fn) {
      const arn = serviceSecretsArn(fn, prefix);
      fn.addToRolePolicy(new PolicyStatement({ actions: SECRET_ACTIONS[access], resources: [arn] }));
      acknowledgeWildcard(fn, arn, reason);
    },
  };
}

/** One secret, read: a key of the service (an `ISecret`) or a secret given by ARN. */
export function readsSecret(variable: string, secret: ISecret | string): Use {
  const arn = typeof secret === 'string' ? secret : secret.secretArn;
  return {
    environment: { [variable]: arn },
    grant(fn) {
      if (typeof secret === 'string')
        fn.addToRolePolicy(
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [arn] }),
        );
      else secret.grantRead(fn);
    },
  };
}

/** Starting executions of a state machine, whose ARN goes in `variable`. */
export function startsExecutions(variable: string, stateMachine: IStateMachine): Use {
  return {
    environment: { [variable]: stateMachine.stateMachineArn },
    grant: (fn) => stateMachine.grantStartExecution(fn),
  };
}

/** The environment of a set of uses; a variable two uses set differently is a wiring mistake. */
export function environmentOf(uses: readonly Use[]): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const use of uses) {
    for (const [name, value] of Object.entries(use.environment)) {
      if (name in environment && environment[name] !== value)
        throw new Error(`two uses set ${name} to different values`);
      environment[name] = value;
    }
  }
  return environment;
}
