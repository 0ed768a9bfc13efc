import type { Policy, PolicySpec, Retention } from '../api/types.ts';

/** The editor's fields as the user typed them; lists are comma-separated. */
export interface PolicyForm {
  name: string;
  description: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  missedRuns: 'skip' | 'run-once';
  namePrefix: string;
  includeMemory: boolean;
  retention: Record<keyof Retention, string>;
  all: boolean;
  tags: string;
  pools: string;
  nodes: string;
  guests: string;
  excludeTags: string;
  excludeGuests: string;
  onSuccess: boolean;
  onFailure: boolean;
  perNode: string;
}

export const RETENTION_FIELDS: Array<[keyof Retention, string]> = [
  ['keepLast', 'Keep last'],
  ['keepHourly', 'Hourly'],
  ['keepDaily', 'Daily'],
  ['keepWeekly', 'Weekly'],
  ['keepMonthly', 'Monthly'],
  ['keepYearly', 'Yearly'],
  ['keepWithinDays', 'All within days'],
  ['maxAgeDays', 'Max age (days)'],
];

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const joined = (items: string[] | undefined) => (items ?? []).join(', ');

export function emptyForm(): PolicyForm {
  return {
    name: '',
    description: '',
    enabled: true,
    cron: '0 2 * * *',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    missedRuns: 'skip',
    namePrefix: 'auto',
    includeMemory: false,
    retention: Object.fromEntries(RETENTION_FIELDS.map(([key]) => [key, ''])) as PolicyForm['retention'],
    all: false,
    tags: '',
    pools: '',
    nodes: '',
    guests: '',
    excludeTags: '',
    excludeGuests: '',
    onSuccess: false,
    onFailure: true,
    perNode: '2',
  };
}

export function formFromPolicy(policy: Policy): PolicyForm {
  const retention = Object.fromEntries(
    RETENTION_FIELDS.map(([key]) => [
      key,
      policy.retention?.[key] === undefined ? '' : String(policy.retention[key]),
    ]),
  ) as PolicyForm['retention'];
  return {
    name: policy.name,
    description: policy.description ?? '',
    enabled: policy.enabled !== false,
    cron: policy.schedule.cron,
    timezone: policy.schedule.timezone ?? 'UTC',
    missedRuns: policy.schedule.missedRuns ?? 'skip',
    namePrefix: policy.snapshot?.namePrefix ?? 'auto',
    includeMemory: policy.snapshot?.includeMemory ?? false,
    retention,
    all: policy.selector.all ?? false,
    tags: joined(policy.selector.tags),
    pools: joined(policy.selector.pools),
    nodes: joined(policy.selector.nodes),
    guests: joined(policy.selector.guests),
    excludeTags: joined(policy.selector.exclude?.tags),
    excludeGuests: joined(policy.selector.exclude?.guests),
    onSuccess: policy.notify?.onSuccess ?? false,
    onFailure: policy.notify?.onFailure ?? true,
    perNode: String(policy.concurrency?.perNode ?? 2),
  };
}

/**
 * A number as typed: an integer stays a number; anything else goes to the API as typed, so
 * the API's own rule names the mistake on the field.
 */
const count = (text: string): number | string =>
  /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();

/**
 * The retention rules typed so far. For an update (`forPatch`), an emptied field is `null`,
 * which JSON Merge Patch reads as "remove"; for a new policy it is left out.
 */
export function retentionOf(form: PolicyForm, forPatch = false): Record<string, number | string | null> {
  const rules: Record<string, number | string | null> = {};
  for (const [key] of RETENTION_FIELDS) {
    const text = form.retention[key];
    if (text.trim()) rules[key] = count(text);
    else if (forPatch) rules[key] = null;
  }
  return rules;
}

/** The request body: a whole policy to create, or a merge patch that states every field to update. */
export function policyBody(form: PolicyForm, forPatch = false): Record<string, unknown> {
  const optionalList = (text: string) => list(text);
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    enabled: form.enabled,
    schedule: { cron: form.cron.trim(), timezone: form.timezone.trim(), missedRuns: form.missedRuns },
    snapshot: { namePrefix: form.namePrefix.trim(), includeMemory: form.includeMemory },
    retention: retentionOf(form, forPatch),
    selector: {
      all: form.all,
      tags: optionalList(form.tags),
      pools: optionalList(form.pools),
      nodes: optionalList(form.nodes),
      guests: optionalList(form.guests),
      exclude: { tags: optionalList(form.excludeTags), guests: optionalList(form.excludeGuests) },
    },
    notify: { onSuccess: form.onSuccess, onFailure: form.onFailure },
    concurrency: { perNode: count(form.perNode) },
  };
  if (form.description.trim()) body.description = form.description.trim();
  else if (forPatch) body.description = null;
  return body satisfies Partial<Record<keyof PolicySpec, unknown>>;
}
