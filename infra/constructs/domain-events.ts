import { Validations } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/** Where domain events go: the notification topic and the event bus. */
export interface DomainEvents {
  readonly topic: ITopic;
  readonly bus: IEventBus;
}

/** Lets a function publish domain events: grants on the topic and the bus (`publishesEvents` also names them). */
export function allowPublishingEvents(publisher: LambdaFunction, events: DomainEvents): void {
  events.topic.grantPublish(publisher);
  events.bus.grantPutEventsTo(publisher);
  Validations.of(publisher.role ?? publisher).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      'Publishing to the KMS-encrypted topic needs data keys from the topic’s own key (grantPublish scopes it to that key).',
  });
}
