import type { PolicyHooks } from '#shared/domain/hooks/hook-spec.ts';
import { policyHasHooks } from '#shared/domain/hooks/resolve-hook.ts';
import type { RetentionRule } from '../policy.ts';
import { parseCron } from '../schedule/cron.ts';
import {
  FEATURE_WORDS,
  formatBytes,
  type Plan,
  type PlanFeature,
  PlanFeatureError,
  QUOTA_WORDS,
  QuotaExceededError,
  type QuotaName,
} from './plan.ts';

/** One counted quota at the moment of a write: what the tenant has and what the write adds. */
export interface QuotaUse {
  readonly quota: QuotaName;
  readonly used: number;
  readonly adding: number;
}

const amount = (quota: QuotaName, value: number): string =>
  quota === 'backupBytes' || quota === 'backupBytesPerStorage' ? formatBytes(value) : String(value);

/**
 * The quota a write would exceed, if any: only what it adds counts against the limit, so a tenant
 * over its quota after a downgrade keeps what it has and may still change it without growing.
 * `where` names the guest or storage for the per-guest and per-storage quotas.
 */
export function quotaRefusal(
  planName: string,
  plan: Plan,
  use: QuotaUse,
  where?: string,
): QuotaExceededError | undefined {
  const limit = plan.quotas[use.quota];
  if (limit === null || use.adding <= 0 || use.used + use.adding <= limit) return undefined;
  const at = where ? ` (${where})` : '';
  return new QuotaExceededError(
    planName,
    use.quota,
    limit,
    use.used,
    `quota ${use.quota}${at}: the ${planName} plan allows ${amount(use.quota, limit)} ${QUOTA_WORDS[use.quota]}; ` +
      `${amount(use.quota, use.used)} used, this would add ${amount(use.quota, use.adding)}`,
  );
}

/** The refusal of a feature the plan does not include ("backups are not part of the free plan"). */
export function featureRefusal(
  planName: string,
  plan: Plan,
  feature: PlanFeature,
): PlanFeatureError | undefined {
  if (plan.features[feature]) return undefined;
  return new PlanFeatureError(
    planName,
    feature,
    `${FEATURE_WORDS[feature]} are not part of the ${planName} plan`,
  );
}

const DAY_MINUTES = 1440;

/**
 * The shortest gap between two ticks of a cron, in minutes, read from its minute and hour
 * fields (ticks on consecutive days assumed, which only ever makes the gap look shorter): the
 * number the plan's minimum schedule interval is compared with.
 */
export function shortestIntervalMinutes(cron: string): number {
  const spec = parseCron(cron);
  const ticks = [...spec.hours].flatMap((hour) => [...spec.minutes].map((minute) => hour * 60 + minute));
  ticks.sort((a, b) => a - b);
  const first = ticks[0] ?? 0;
  let shortest = DAY_MINUTES - (ticks.at(-1) ?? 0) + first;
  for (let index = 1; index < ticks.length; index++)
    shortest = Math.min(shortest, (ticks[index] ?? 0) - (ticks[index - 1] ?? 0));
  return shortest;
}

const KEEP_COUNTS = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
] as const;

/** The most snapshots a retention rule keeps per guest by its counts; Infinity when no count bounds it. */
export function retentionCount(retention: RetentionRule): number {
  const counts = KEEP_COUNTS.map((key) => retention[key]);
  if (counts.every((count) => count === undefined)) return Number.POSITIVE_INFINITY;
  return counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
}

/** What of a policy the plan gates. */
export interface GatedPolicy {
  readonly kind?: 'snapshot' | 'backup' | undefined;
  readonly snapshot: { readonly includeMemory?: boolean | undefined };
  readonly schedule: { readonly cron: string };
  readonly retention: RetentionRule;
  readonly hooks?: PolicyHooks | undefined;
}

/**
 * The first thing of a policy its plan does not allow: backups, RAM snapshots, hooks, a schedule more
 * frequent than the plan's minimum interval, a retention keeping more than the plan's cap.
 */
export function policyRefusal(
  planName: string,
  plan: Plan,
  policy: GatedPolicy,
): PlanFeatureError | undefined {
  const feature =
    policy.kind === 'backup' ? 'backups' : policy.snapshot.includeMemory ? 'ramSnapshots' : undefined;
  const refused = feature ? featureRefusal(planName, plan, feature) : undefined;
  if (refused) return refused;
  const hooksRefused = policyHasHooks(policy.hooks) ? featureRefusal(planName, plan, 'hooks') : undefined;
  if (hooksRefused) return hooksRefused;
  const minimum = plan.minScheduleIntervalMinutes;
  if (shortestIntervalMinutes(policy.schedule.cron) < minimum)
    return new PlanFeatureError(
      planName,
      'minScheduleIntervalMinutes',
      `schedules more often than every ${minimum} minutes are not part of the ${planName} plan`,
    );
  const cap = plan.maxRetention;
  const keeps = retentionCount(policy.retention);
  if (cap !== null && keeps > cap)
    return new PlanFeatureError(
      planName,
      'maxRetention',
      `retention keeping more than ${cap} per guest is not part of the ${planName} plan (this rule keeps ${Number.isFinite(keeps) ? keeps : 'all'})`,
    );
  return undefined;
}
