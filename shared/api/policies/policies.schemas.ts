import { z } from '@hono/zod-openapi';
import { GUEST_REFERENCE_HINT, parseGuestReference } from '#shared/domain/guest-id.ts';
import { PolicyHooksSchema } from '#shared/domain/hooks/hook-spec.ts';
import { ID_PATTERN } from '#shared/domain/ids.ts';
import {
  BACKUP_COMPRESS,
  BACKUP_MODES,
  POLICY_KINDS,
  type PolicyKind,
  perNodeLimit,
} from '#shared/domain/policy.ts';
import { MAX_START_WINDOW_MINUTES } from '#shared/domain/schedule/start-window.ts';
import { NAME_PREFIX_MAX, NAME_PREFIX_PATTERN } from '#shared/domain/snapshot-name.ts';
import { spellTimeZone } from '#shared/domain/time-zone.ts';
import { safeText } from '../schemas.ts';

/**
 * Proxmox tag syntax (pve-guest-common `$PVE_TAG_RE`, case-insensitive there). Spelled out
 * without the `i` flag: OpenAPI carries only a pattern's source, so a flag would be lost.
 */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_+.-]*$/;
/** Proxmox pool ids (pve-poolid) and node names (a DNS label). */
const POOL = /^[A-Za-z0-9_-]+$/;
const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

const GuestId = z
  .string()
  .refine((value) => parseGuestReference(value) !== undefined, {
    message: `must be ${GUEST_REFERENCE_HINT} (stored as its id)`,
    params: { rule: 'guest-id' },
  })
  .openapi({ example: 'cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.100' });

const Tag = z.string().max(128).regex(TAG, 'must be a Proxmox tag (letters, digits, _ - + .)');
/**
 * Entries per selector list. With every list full of the longest entries a policy stays near
 * 100 KB, so the policy and an update's audit event (before and after) fit DynamoDB's 400 KB item.
 */
const MAX_SELECTOR_ENTRIES = 200;
const list = <T extends z.ZodType>(item: T) => z.array(item).max(MAX_SELECTOR_ENTRIES).default([]);
const count = z.number().int().min(0).max(100_000);
const days = z.number().int().min(1).max(36_500);

export const ScheduleSchema = z.strictObject({
  cron: z.string().min(1).max(200).openapi({
    description:
      '5-field crontab(5) expression, evaluated in `timezone`; restrict day-of-month or day-of-week, not both',
    example: '0 2 * * *',
  }),
  timezone: z
    .string()
    .min(1)
    .max(64)
    .overwrite(spellTimeZone)
    .default('UTC')
    .openapi({ description: 'IANA time zone, stored as IANA spells it', example: 'Europe/Berlin' }),
  missedRuns: z
    .enum(['skip', 'run-once'])
    .default('skip')
    .openapi({ description: 'After downtime: skip missed ticks, or run once for the latest missed tick' }),
  startWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(MAX_START_WINDOW_MINUTES)
    .optional()
    .openapi({
      description: `Let a run start up to this many minutes after its tick (1-${MAX_START_WINDOW_MINUTES}; default: on the tick), so policies sharing a minute do not all start at once; still one run per tick`,
    }),
});

const SnapshotOptionsSchema = z.strictObject({
  includeMemory: z.boolean().default(false).openapi({ description: 'Save RAM state (QEMU VMs only)' }),
  quiesce: z
    .boolean()
    .default(false)
    .openapi({ description: 'Freeze file systems via the QEMU guest agent' }),
  namePrefix: z
    .string()
    .min(1)
    .max(NAME_PREFIX_MAX)
    .regex(NAME_PREFIX_PATTERN, 'must start with a letter and hold only letters, digits, _ and -')
    .default('auto')
    .openapi({
      description: `Start of snapshot names: <prefix>-<yyyymmdd>-<hhmm> (at most ${NAME_PREFIX_MAX} characters)`,
    }),
});

export const RetentionSchema = z
  .strictObject({
    keepLast: count.optional(),
    keepHourly: count.optional(),
    keepDaily: count.optional(),
    keepWeekly: count.optional(),
    keepMonthly: count.optional(),
    keepYearly: count.optional(),
    keepWithinDays: days
      .optional()
      .openapi({ description: 'Keep every snapshot younger than this many days' }),
    maxAgeDays: days
      .optional()
      .openapi({ description: 'Delete snapshots older than this even if a keep rule keeps them' }),
  })
  .openapi('Retention', {
    description: 'Proxmox Backup Server prune options. With no keep option above 0, everything is kept.',
  });

export const SelectorSchema = z.strictObject({
  guests: list(GuestId),
  tags: list(Tag),
  pools: list(z.string().max(64).regex(POOL, 'must be a Proxmox pool id')),
  nodes: list(z.string().max(63).regex(NODE, 'must be a node name')),
  all: z.boolean().default(false),
  exclude: z.strictObject({ guests: list(GuestId), tags: list(Tag) }).prefault({}),
});

/** A year of minutes (a leap one): a longer objective would never report anything late. */
const RPO_MAX_MINUTES = 366 * 24 * 60;

const ConcurrencySchema = z.strictObject({
  perNode: z.number().int().min(1).max(10).optional().openapi({
    description:
      'Snapshots (or backups) in flight at once on one Proxmox node; default 2 for a snapshot policy, 1 for a backup policy',
  }),
});

/** A Proxmox storage id (pve-storage-id), spelled without the `i` flag for OpenAPI. */
const STORAGE_ID = /^[A-Za-z][A-Za-z0-9._-]*[A-Za-z0-9]$/;

const BackupOptionsSchema = z
  .strictObject({
    storage: z
      .string()
      .max(100)
      .regex(STORAGE_ID, 'must be a Proxmox storage id')
      .openapi({ description: "Target storage: content 'backup' on every node of the selected guests" }),
    mode: z.enum(BACKUP_MODES).default('snapshot').openapi({ description: "vzdump's mode" }),
    compress: z.enum(BACKUP_COMPRESS).default('zstd'),
    notesTemplate: safeText(z.string().max(1024))
      .optional()
      .openapi({ description: "vzdump's notes-template: {{guestname}}, {{vmid}}, {{node}}, {{cluster}}" }),
    protected: z.boolean().default(false).openapi({ description: 'Mark each new archive protected' }),
    bwlimitKiBps: z.number().int().min(1).max(100_000_000).optional(),
    pruneBeforeBackup: z.boolean().optional().openapi({
      description:
        'When the storage would not fit the next archive (the guard threshold, else 100 %), delete first the guest\u2019s own archives the retention would delete once it exists (never protected ones or the newest)',
    }),
    copyOf: z.string().regex(ID_PATTERN, 'must be a policy id as returned by the API').optional().openapi({
      description:
        'Off-site copy: the id of the backup policy whose guests this policy backs up a second time, to its own (another) storage, on its own schedule and retention',
    }),
  })
  .openapi('BackupOptions');

const GUARD_PERCENT = z.number().int().min(1).max(100);

const StorageGuardSchema = z
  .strictObject({
    thresholdPercent: GUARD_PERCENT.optional().openapi({
      description:
        'Fill (percent of capacity) a run may bring a target storage to; default: the tenant\u2019s',
    }),
    storages: z
      .record(z.string().max(100).regex(STORAGE_ID, 'must be a Proxmox storage id'), GUARD_PERCENT)
      .optional()
      .openapi({
        description: 'A threshold per target storage id (a backup storage, or where RAM state goes)',
      }),
  })
  .openapi('StorageGuard');

const NotifySchema = z.strictObject({
  onSuccess: z.boolean().default(false),
  onFailure: z.boolean().default(true),
});

/** The fields of a policy as clients write them, before the kind's defaults are filled in. */
const PolicySpecFields = z.strictObject({
  name: safeText(z.string().trim().min(1).max(100)),
  description: safeText(z.string().max(2000)).default(''),
  enabled: z.boolean().default(true),
  schedule: ScheduleSchema,
  kind: z.enum(POLICY_KINDS).optional().openapi({
    description: "'snapshot' (default) or 'backup' (vzdump archives; needs `backup`)",
  }),
  snapshot: SnapshotOptionsSchema.prefault({}),
  backup: BackupOptionsSchema.optional(),
  retention: RetentionSchema.prefault({}),
  selector: SelectorSchema,
  notify: NotifySchema.prefault({}),
  concurrency: ConcurrencySchema.prefault({}),
  rpo: z.number().int().min(1).max(RPO_MAX_MINUTES).optional().openapi({
    description:
      'Recovery-point objective in minutes (1 to 527040, a leap year): how old a guest\u2019s newest recovery point may get before it is late. Default: the largest gap between two ticks of the schedule',
  }),
  storageGuard: StorageGuardSchema.optional().openapi({
    description:
      'Skip a guest (reason storage-guard) rather than fill a storage past the threshold: checked before each backup and each RAM snapshot',
  }),
  hooks: PolicyHooksSchema.optional().openapi({
    description:
      'Pre/post hooks around each guest\u2019s snapshot or backup: an HTTPS call signed like webhooks, or a QEMU guest-agent command from `allowedCommands`; `overrides` by guest id (README "Hooks")',
  }),
});

/** The per-node cap's default depends on the kind: 2 snapshots, 1 backup. */
const withKindDefaults = <T extends { kind?: PolicyKind; concurrency: { perNode?: number } }>(
  spec: T,
): T => ({
  ...spec,
  concurrency: { ...spec.concurrency, perNode: perNodeLimit(spec) },
});

/** A policy as clients write it (POST body; a PATCH is merged into the stored spec, then checked against this). */
export const PolicySpecSchema = PolicySpecFields.overwrite(withKindDefaults).openapi('PolicySpec');

/** A new policy (POST body): without `schedule.timezone` it runs in the tenant's default time zone. */
export const PolicyInputSchema = PolicySpecFields.extend({
  schedule: ScheduleSchema.extend({
    timezone: ScheduleSchema.shape.timezone.unwrap().optional().openapi({
      description: 'IANA time zone, stored as IANA spells it; default: the tenant\u2019s (GET /v1/settings)',
      example: 'Europe/Berlin',
    }),
  }),
})
  .overwrite(withKindDefaults)
  .openapi('PolicyInput');

export const PolicySchema = PolicySpecFields.extend({
  id: z.string(),
  schedulerExpression: z
    .string()
    .openapi({ description: 'The schedule in EventBridge Scheduler form', example: 'cron(0 2 * * ? *)' }),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
}).openapi('Policy');

/** JSON Merge Patch (RFC 7396) of a policy: objects merge, null removes an optional field. */
export const PolicyPatchSchema = z.record(z.string(), z.unknown()).openapi('PolicyPatch', {
  description: 'JSON Merge Patch of a PolicySpec; the merged result must be a valid PolicySpec',
  example: { schedule: { cron: '30 3 * * *' }, retention: { keepDaily: 14 } },
});

export const NextRunsSchema = z
  .object({
    timezone: z.string(),
    enabled: z.boolean(),
    runs: z.array(z.object({ at: z.string(), local: z.string() })),
  })
  .openapi('NextRuns');
