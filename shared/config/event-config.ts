import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.eventTopicArn]: z.string().min(1),
  [ENV.eventBusName]: z.string().min(1),
});

/** Where a function publishes domain events in AWS: the SNS topic and the EventBridge bus. */
export function loadEventTargets(env: Record<string, string | undefined>): {
  topicArn: string;
  busName: string;
} {
  const values = parseEnvironment(schema, env);
  return { topicArn: values[ENV.eventTopicArn], busName: values[ENV.eventBusName] };
}
