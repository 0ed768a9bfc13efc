import type { Schemas } from '../../../client/api-client.ts';
import type { Policy, PolicySpec, Retention } from '../api/types.ts';

/** The editor's fields as the user typed them; lists are comma-separated. */
export interface PolicyForm {
  kind: 'snapshot' | 'backup';
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
  /** Backup policies: vzdump's options. */
  storage: string;
  mode: BackupOptions['mode'] & string;
  compress: BackupOptions['compress'] & string;
  notesTemplate: string;
  protectArchives: boolean;
}

type BackupOptions = Schemas['BackupOptions'];

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
    kind: 'snapshot',
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
    storage: '',
    mode: 'snapshot',
    compress: 'zstd',
    notesTemplate: '{{guestname}}',
    protectArchives: false,
  };
}

/** The default of `concurrency.perNode` per kind: vzdump loads a node, so a backup policy runs one at a time. */
const DEFAULT_PER_NODE = { snapshot: '2', backup: '1' } as const;

/** Switching the kind keeps what was typed, but an untouched per-node default follows the kind. */
export function withKind(form: PolicyForm, kind: PolicyForm['kind']): PolicyForm {
  const perNode = form.perNode === DEFAULT_PER_NODE[form.kind] ? DEFAULT_PER_NODE[kind] : form.perNode;
  return { ...form, kind, perNode };
}

export function formFromPolicy(policy: Policy): PolicyForm {
  const retention = Object.fromEntries(
    RETENTION_FIELDS.map(([key]) => [
      key,
      policy.retention?.[key] === undefined ? '' : String(policy.retention[key]),
    ]),
  ) as PolicyForm['retention'];
  return {
    kind: policy.kind ?? 'snapshot',
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
    perNode: String(policy.concurrency?.perNode ?? DEFAULT_PER_NODE[policy.kind ?? 'snapshot']),
    storage: policy.backup?.storage ?? '',
    mode: policy.backup?.mode ?? 'snapshot',
    compress: policy.backup?.compress ?? 'zstd',
    notesTemplate: policy.backup?.notesTemplate ?? '',
    protectArchives: policy.backup?.protected ?? false,
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
    kind: form.kind,
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
  if (form.kind === 'snapshot') {
    body.snapshot = { namePrefix: form.namePrefix.trim(), includeMemory: form.includeMemory };
    // A policy that was a backup policy keeps no backup options (the API refuses them on a snapshot policy).
    if (forPatch) body.backup = null;
  } else {
    body.backup = {
      storage: form.storage.trim(),
      mode: form.mode,
      compress: form.compress,
      protected: form.protectArchives,
      ...(form.notesTemplate.trim()
        ? { notesTemplate: form.notesTemplate.trim() }
        : forPatch
          ? { notesTemplate: null }
          : {}),
    };
  }
  if (form.description.trim()) body.description = form.description.trim();
  else if (forPatch) body.description = null;
  return body satisfies Partial<Record<keyof PolicySpec, unknown>>;
}

/**
 * The draft the editor's live check sends (`POST /v1/policies/validate`). The API checks the
 * schedule only once every field has its shape, so an empty name or an empty selector the user
 * has not gone to yet (no path of it in `touched`) gets a stand-in: the schedule's errors and next
 * runs show from the first keystroke, and a field's own mistake once the user has been there.
 */
export function liveCheckBody(form: PolicyForm, touched: ReadonlySet<string>): Record<string, unknown> {
  const body = policyBody(form);
  const selects =
    form.all || [form.tags, form.pools, form.nodes, form.guests].some((text) => list(text).length > 0);
  const selectorTouched = [...touched].some((path) => path.startsWith('selector.'));
  return {
    ...body,
    ...(!body.name && !touched.has('name') ? { name: 'draft' } : {}),
    ...(!selects && !selectorTouched ? { selector: { ...(body.selector as object), all: true } } : {}),
  };
}

const RETENTION_WORDS: Record<keyof Retention, (count: number) => string> = {
  keepLast: (count) => `the last ${count}`,
  keepHourly: (count) => `${count} hourly`,
  keepDaily: (count) => `${count} daily`,
  keepWeekly: (count) => `${count} weekly`,
  keepMonthly: (count) => `${count} monthly`,
  keepYearly: (count) => `${count} yearly`,
  keepWithinDays: (count) => `all within ${count} days`,
  maxAgeDays: (count) => `none older than ${count} days`,
};

/** A policy's retention in words (`7 daily, 4 weekly`), in the editor's order. */
export function describeRetention(retention: Retention | undefined): string {
  const parts = RETENTION_FIELDS.flatMap(([key]) => {
    const count = retention?.[key];
    return count ? [RETENTION_WORDS[key](count)] : [];
  });
  return parts.length ? `keeps ${parts.join(', ')}` : 'keeps everything';
}
