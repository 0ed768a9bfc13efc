import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITableV2, Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { Wiring } from './wiring.ts';

export interface OperationalAlarmsProps {
  readonly httpApi: IHttpApi;
  readonly apiFunction: IFunction;
  /** Where alarms are mailed; none when absent. */
  readonly alarmEmail?: string;
  /** Every function of the service, by a name for the alarm's id: a throttle of any raises an alarm. Default none. */
  readonly functions?: Readonly<Record<string, IFunction>>;
  /**
   * Functions whose failures are the operator's matter, by name (notifier, sweep): any error
   * raises an alarm. Default none.
   */
  readonly failingFunctions?: Readonly<Record<string, IFunction>>;
  /**
   * The connector: its errors are mostly the clusters' (a lock, an unreachable node), so it
   * raises an alarm when more than a quarter of its calls fail for 15 minutes. Default none.
   */
  readonly connector?: IFunction;
  /** State machines, by name: a failed, timed-out or throttled execution raises an alarm. Default none. */
  readonly stateMachines?: Readonly<Record<string, IStateMachine>>;
  /** Dead-letter queues, by name: any message in one raises an alarm (and is listed as an output). Default none. */
  readonly deadLetterQueues?: Readonly<Record<string, IQueue>>;
  /** The table: any throttled request raises an alarm. Default none. */
  readonly table?: ITableV2;
}

/** The operations the service sends; an alarm's math expression holds at most ten metrics. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.QUERY,
  Operation.BATCH_WRITE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * Alarms an operator acts on, all sent to one topic: the API answered 5xx or failed; any function
 * was throttled; the notifier or the sweep failed; the connector failed on many calls; an execution
 * failed, timed out or was throttled; a dead-letter queue holds a message; the table throttled.
 * Any one occurrence in five minutes raises them (the connector: a rate); quiet periods count as fine.
 */
export class OperationalAlarms extends Wiring {
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', { enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const period = Duration.minutes(5);
    this.alarm('Api5xx', props.httpApi.metricServerError({ period }), 'The API answered with 5xx');
    this.alarm('ApiFunctionErrors', props.apiFunction.metricErrors({ period }), 'The API function failed');
    this.alarm(
      'ApiFunctionThrottles',
      props.apiFunction.metricThrottles({ period }),
      'The API function was throttled',
    );
    for (const [name, fn] of Object.entries(props.functions ?? {})) {
      if (fn === props.apiFunction) continue;
      this.alarm(`${name}Throttles`, fn.metricThrottles({ period }), `The ${name} function was throttled`);
    }
    for (const [name, fn] of Object.entries(props.failingFunctions ?? {})) {
      this.alarm(`${name}Errors`, fn.metricErrors({ period }), `The ${name} function failed`);
    }
    if (props.connector) {
      const errorRate = new MathExpression({
        expression: '100 * errors / MAX([invocations, 1])',
        usingMetrics: {
          errors: props.connector.metricErrors({ period }),
          invocations: props.connector.metricInvocations({ period }),
        },
        period,
        label: 'Connector calls failed (%)',
      });
      new Alarm(this, 'ConnectorErrorRate', {
        metric: errorRate,
        threshold: 25,
        evaluationPeriods: 3,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: 'More than a quarter of the connector\u2019s calls failed for 15 minutes',
      }).addAlarmAction(new SnsAction(this.topic));
    }
    for (const [name, machine] of Object.entries(props.stateMachines ?? {})) {
      this.alarm(`${name}ExecutionsFailed`, machine.metricFailed({ period }), `A ${name} execution failed`);
      this.alarm(
        `${name}ExecutionsTimedOut`,
        machine.metricTimedOut({ period }),
        `A ${name} execution timed out`,
      );
      this.alarm(
        `${name}ExecutionThrottled`,
        machine.metricThrottled({ period }),
        `Step Functions throttled the ${name} state machine`,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues ?? {})) {
      this.alarm(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: Stats.MAXIMUM }),
        `The ${name} dead-letter queue holds messages (redrive: README, Operating in AWS)`,
      );
      new CfnOutput(this, `${name}Url`, {
        value: queue.queueUrl,
        description: `The ${name} dead-letter queue`,
      });
    }
    if (props.table) {
      this.alarm(
        'TableThrottledRequests',
        props.table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period }),
        'DynamoDB throttled requests to the table',
      );
    }
  }

  private alarm(id: string, metric: IMetric, description: string): void {
    new Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    }).addAlarmAction(new SnsAction(this.topic));
  }
}
