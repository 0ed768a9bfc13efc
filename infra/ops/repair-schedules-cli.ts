import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { z } from 'zod';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { EventBridgePolicyScheduler } from '#shared/adapters/scheduler/eventbridge-policy-scheduler.ts';
import { ENV } from '#shared/config/env-names.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { repairSchedules } from '#shared/services/repair-schedules.ts';

/**
 * `npm run schedules:repair`: re-creates every enabled policy's EventBridge Scheduler schedule
 * from the table and removes the others, with the operator's AWS credentials and the deployed
 * API function's settings (README, Operating in AWS). Locally there is nothing to repair: the
 * local scheduler reads the policies themselves.
 */
if (import.meta.main) {
  const env = parseEnvironment(
    z.object({
      [ENV.tableName]: z.string().min(1),
      [ENV.scheduleGroupName]: z.string().min(1),
      [ENV.policyRunStateMachineArn]: z.string().min(1),
      [ENV.schedulerRoleArn]: z.string().min(1),
      [ENV.scheduleDeadLetterArn]: z.string().min(1),
    }),
    process.env,
  );
  const result = await repairSchedules({
    store: createStore({ doc: createDocumentClient(), tableName: env[ENV.tableName] }),
    schedules: new EventBridgePolicyScheduler(new SchedulerClient({}), {
      groupName: env[ENV.scheduleGroupName],
      targetArn: env[ENV.policyRunStateMachineArn],
      roleArn: env[ENV.schedulerRoleArn],
      deadLetterArn: env[ENV.scheduleDeadLetterArn],
    }),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
