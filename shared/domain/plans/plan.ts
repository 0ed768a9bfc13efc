import { AppError } from '../errors.ts';

/** What a plan may switch off: each names one thing a tenant can ask the service to do. */
export const PLAN_FEATURES = ['backups', 'ramSnapshots', 'hooks', 'restoreTests'] as const;
export type PlanFeature = (typeof PLAN_FEATURES)[number];

/** How the API and its errors name a feature ("backups are not part of the free plan"). */
export const FEATURE_WORDS: Readonly<Record<PlanFeature, string>> = {
  backups: 'backups',
  ramSnapshots: 'RAM snapshots',
  hooks: 'pre/post hooks',
  restoreTests: 'restore tests',
};

/** The counted limits of a plan; `null` is unlimited. */
export const QUOTA_NAMES = [
  'clusters',
  'policies',
  'guestsCovered',
  'snapshotsPerGuest',
  'backupBytes',
  'backupBytesPerStorage',
] as const;
export type QuotaName = (typeof QUOTA_NAMES)[number];

/** How a quota reads in an answer or an error ("the free plan allows 1 cluster"). */
export const QUOTA_WORDS: Readonly<Record<QuotaName, string>> = {
  clusters: 'clusters',
  policies: 'policies',
  guestsCovered: 'guests covered by enabled policies',
  snapshotsPerGuest: 'snapshots per guest',
  backupBytes: 'bytes of backups in total',
  backupBytesPerStorage: 'bytes of backups per storage',
};

type Quotas = Readonly<Record<QuotaName, number | null>>;

/** One plan: which features it includes, the rules a policy must keep, and its default quotas. */
export interface Plan {
  readonly features: Readonly<Record<PlanFeature, boolean>>;
  /** The shortest gap a policy's schedule may have between two ticks, in minutes. */
  readonly minScheduleIntervalMinutes: number;
  /** The most snapshots or archives one retention rule may keep per guest (its keep-* counts added); null: no cap. */
  readonly maxRetention: number | null;
  readonly quotas: Quotas;
}

/**
 * The plans every deployment has. `standard` is what a tenant gets unless the operator says
 * otherwise, and stays generous so that tenants from before plans keep working as they did.
 */
export const BUILT_IN_PLANS: Readonly<Record<string, Plan>> = {
  free: {
    features: { backups: false, ramSnapshots: false, hooks: false, restoreTests: false },
    minScheduleIntervalMinutes: 60,
    maxRetention: 14,
    quotas: {
      clusters: 1,
      policies: 3,
      guestsCovered: 10,
      snapshotsPerGuest: 20,
      backupBytes: 0,
      backupBytesPerStorage: null,
    },
  },
  standard: {
    features: { backups: true, ramSnapshots: true, hooks: true, restoreTests: true },
    minScheduleIntervalMinutes: 1,
    maxRetention: null,
    quotas: {
      clusters: 20,
      policies: 500,
      // Unlimited: large fleets on standard (10,000 guests under one policy) keep working.
      guestsCovered: null,
      snapshotsPerGuest: null,
      backupBytes: null,
      backupBytesPerStorage: null,
    },
  },
  dedicated: {
    features: { backups: true, ramSnapshots: true, hooks: true, restoreTests: true },
    minScheduleIntervalMinutes: 1,
    maxRetention: null,
    quotas: {
      clusters: null,
      policies: null,
      guestsCovered: null,
      snapshotsPerGuest: null,
      backupBytes: null,
      backupBytesPerStorage: null,
    },
  },
};

/** A plan as the operator may write it: any field left out keeps the built-in plan's (or standard's) value. */
export interface PlanOverride {
  readonly features?: Partial<Record<PlanFeature, boolean>> | undefined;
  readonly minScheduleIntervalMinutes?: number | undefined;
  readonly maxRetention?: number | null | undefined;
  readonly quotas?: Partial<Record<QuotaName, number | null>> | undefined;
}

/** The operator's plan over the built-in plan of the same name (a new name starts from `standard`). */
export function mergePlan(name: string, override: PlanOverride | undefined): Plan {
  const base = BUILT_IN_PLANS[name] ?? (BUILT_IN_PLANS.standard as Plan);
  if (!override) return base;
  return {
    features: { ...base.features, ...override.features },
    minScheduleIntervalMinutes: override.minScheduleIntervalMinutes ?? base.minScheduleIntervalMinutes,
    maxRetention: override.maxRetention === undefined ? base.maxRetention : override.maxRetention,
    quotas: { ...base.quotas, ...override.quotas },
  };
}

/** Every plan a deployment knows, by name: the built-in ones and the operator's. */
export type PlanTable = ReadonlyMap<string, Plan>;

export function planTable(overrides: ReadonlyMap<string, PlanOverride | undefined> = new Map()): PlanTable {
  const table = new Map<string, Plan>();
  for (const name of new Set([...Object.keys(BUILT_IN_PLANS), ...overrides.keys()]))
    table.set(name, mergePlan(name, overrides.get(name)));
  return table;
}

/**
 * The plan a tenant is on. A name the table no longer knows (the operator removed it) reads as
 * `free`: the tenant keeps its data, and new work asks for the least.
 */
export const planOf = (table: PlanTable, name: string): Plan =>
  table.get(name) ?? (BUILT_IN_PLANS.free as Plan);

/** A byte count as people read it, for messages (`1.5 GiB`). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

/**
 * A plan-gated feature was asked for on a plan without it (API: 403, type
 * `plan-feature-missing`). Nothing was changed.
 */
export class PlanFeatureError extends AppError {
  readonly type = 'plan-feature-missing';
  readonly title = 'Your plan does not include this';
  readonly plan: string;
  readonly feature: string;

  constructor(plan: string, feature: string, message: string) {
    super(message);
    this.plan = plan;
    this.feature = feature;
  }
}

/**
 * A write (or a run's guest) would take the tenant past one of its plan's quotas (API: 409, type
 * `quota-exceeded`). What the tenant already has stays; only the new work is refused.
 */
export class QuotaExceededError extends AppError {
  readonly type = 'quota-exceeded';
  readonly title = 'This would exceed a quota of your plan';
  readonly plan: string;
  readonly quota: QuotaName;
  readonly limit: number;
  readonly used: number;

  constructor(plan: string, quota: QuotaName, limit: number, used: number, message: string) {
    super(message);
    this.plan = plan;
    this.quota = quota;
    this.limit = limit;
    this.used = used;
  }
}
