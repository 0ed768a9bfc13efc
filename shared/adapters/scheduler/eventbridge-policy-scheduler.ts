import {
  ActionAfterCompletion,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  FlexibleTimeWindowMode,
  ListSchedulesCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  ScheduleState,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { Policy } from '#shared/domain/policy.ts';
import type { PolicyScheduler } from '#shared/ports/policy-scheduler.ts';

export interface EventBridgeSchedulerSettings {
  readonly groupName: string;
  /** The policy-run state machine: Scheduler starts an execution per tick. */
  readonly targetArn: string;
  /** The role Scheduler assumes to start executions. */
  readonly roleArn: string;
  /** Where ticks go that could not be delivered after the retries. */
  readonly deadLetterArn: string;
}

/** Schedule names are unique per group; policy ids are globally unique and short enough (64 max). */
const SCHEDULE_PREFIX = 'policy-';
const scheduleNameOf = (policy: Pick<Policy, 'id'>) => `${SCHEDULE_PREFIX}${policy.id}`;

/**
 * One EventBridge Scheduler schedule per policy, in the stack's schedule group: the policy's
 * `cron()` expression in its time zone, targeting the policy-run state machine with the tenant,
 * the policy and Scheduler's own scheduled time as input.
 */
export class EventBridgePolicyScheduler implements PolicyScheduler {
  readonly #client: SchedulerClient;
  readonly #settings: EventBridgeSchedulerSettings;

  constructor(client: SchedulerClient, settings: EventBridgeSchedulerSettings) {
    this.#client = client;
    this.#settings = settings;
  }

  async put(policy: Policy): Promise<void> {
    const input = {
      Name: scheduleNameOf(policy),
      GroupName: this.#settings.groupName,
      Description: `${policy.tenantId}: ${policy.name}`.slice(0, 512),
      ScheduleExpression: policy.schedulerExpression,
      ScheduleExpressionTimezone: policy.schedule.timezone,
      State: policy.enabled ? ScheduleState.ENABLED : ScheduleState.DISABLED,
      // A window spreads starts; the target still gets the tick as its scheduled time (one run per tick).
      FlexibleTimeWindow: policy.schedule.startWindowMinutes
        ? {
            Mode: FlexibleTimeWindowMode.FLEXIBLE,
            MaximumWindowInMinutes: policy.schedule.startWindowMinutes,
          }
        : { Mode: FlexibleTimeWindowMode.OFF },
      ActionAfterCompletion: ActionAfterCompletion.NONE,
      Target: {
        Arn: this.#settings.targetArn,
        RoleArn: this.#settings.roleArn,
        // Scheduler substitutes the tick's time; the run is claimed per (policy, scheduled time).
        Input: JSON.stringify({
          tenantId: policy.tenantId,
          policyId: policy.id,
          scheduledTime: '<aws.scheduler.scheduled-time>',
          trigger: 'schedule',
        }),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
        DeadLetterConfig: { Arn: this.#settings.deadLetterArn },
      },
    };
    try {
      await this.#client.send(new UpdateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.#client.send(new CreateScheduleCommand(input));
    }
  }

  async remove(policy: Pick<Policy, 'id'>): Promise<void> {
    try {
      await this.#client.send(
        new DeleteScheduleCommand({ Name: scheduleNameOf(policy), GroupName: this.#settings.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  async scheduledPolicyIds(): Promise<string[]> {
    const ids: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListSchedulesCommand({
          GroupName: this.#settings.groupName,
          NamePrefix: SCHEDULE_PREFIX,
          NextToken,
        }),
      );
      for (const schedule of page.Schedules ?? []) {
        if (schedule.Name?.startsWith(SCHEDULE_PREFIX)) ids.push(schedule.Name.slice(SCHEDULE_PREFIX.length));
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return ids;
  }
}
