import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { Wiring } from './wiring.ts';

export interface OperationalAlarmsProps {
  readonly httpApi: IHttpApi;
  readonly apiFunction: IFunction;
  /** Where alarms are mailed; none when absent. */
  readonly alarmEmail?: string;
}

/**
 * Alarms an operator acts on: the API answered 5xx, the API function failed or was throttled.
 * Any one occurrence in five minutes raises them; quiet periods count as fine.
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
