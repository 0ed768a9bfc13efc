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

/** One schedule as the service writes them: a `cron()` in a zone, starting a state machine with an input. */
export interface ScheduleSpec {
  readonly name: string;
  readonly description: string;
  readonly expression: string;
  readonly timezone: string;
  readonly enabled: boolean;
  readonly windowMinutes?: number;
  readonly input: Readonly<Record<string, unknown>>;
}

/** Creates or replaces a schedule in the group (update first: most writes change an existing one). */
export async function putSchedule(
  client: SchedulerClient,
  settings: EventBridgeSchedulerSettings,
  spec: ScheduleSpec,
): Promise<void> {
  const input = {
    Name: spec.name,
    GroupName: settings.groupName,
    Description: spec.description.slice(0, 512),
    ScheduleExpression: spec.expression,
    ScheduleExpressionTimezone: spec.timezone,
    State: spec.enabled ? ScheduleState.ENABLED : ScheduleState.DISABLED,
    // A window spreads starts; the target still gets the tick as its scheduled time (one run per tick).
    FlexibleTimeWindow: spec.windowMinutes
      ? { Mode: FlexibleTimeWindowMode.FLEXIBLE, MaximumWindowInMinutes: spec.windowMinutes }
      : { Mode: FlexibleTimeWindowMode.OFF },
    ActionAfterCompletion: ActionAfterCompletion.NONE,
    Target: {
      Arn: settings.targetArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify(spec.input),
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
      DeadLetterConfig: { Arn: settings.deadLetterArn },
    },
  };
  try {
    await client.send(new UpdateScheduleCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateScheduleCommand(input));
  }
}

/** Deletes a schedule of the group; a missing one is fine. */
export async function removeSchedule(
  client: SchedulerClient,
  groupName: string,
  name: string,
): Promise<void> {
  try {
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
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
    await putSchedule(this.#client, this.#settings, {
      name: scheduleNameOf(policy),
      description: `${policy.tenantId}: ${policy.name}`,
      expression: policy.schedulerExpression,
      timezone: policy.schedule.timezone,
      enabled: policy.enabled,
      ...(policy.schedule.startWindowMinutes ? { windowMinutes: policy.schedule.startWindowMinutes } : {}),
      // Scheduler substitutes the tick's time; the run is claimed per (policy, scheduled time).
      input: {
        tenantId: policy.tenantId,
        policyId: policy.id,
        scheduledTime: '<aws.scheduler.scheduled-time>',
        trigger: 'schedule',
      },
    });
  }

  async remove(policy: Pick<Policy, 'id'>): Promise<void> {
    await removeSchedule(this.#client, this.#settings.groupName, scheduleNameOf(policy));
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
