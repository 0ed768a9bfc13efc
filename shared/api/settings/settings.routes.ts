import { createRoute, z } from '@hono/zod-openapi';
import { spellTimeZone } from '#shared/domain/time-zone.ts';
import {
  commonErrors,
  etagHeader,
  IfMatchHeader,
  json,
  problemContent,
  requires,
  staleVersionError,
} from '../schemas.ts';

const tags = ['Settings'];

const timezone = z.string().min(1).max(64).overwrite(spellTimeZone).openapi({
  description: 'IANA time zone given to a policy created without one',
  example: 'Europe/Berlin',
});
const unprotectedGuestEvents = z.boolean().openapi({
  description:
    'Publish `guest.unprotected` once for each new guest an inventory sync finds and no enabled policy covers',
});

const storageGuardPercent = z.number().int().min(1).max(100).openapi({
  description:
    'The storage guard\u2019s threshold (percent of a storage\u2019s capacity) for policies that set none; absent: no guard unless a policy sets one',
});

const SettingsInputSchema = z
  .strictObject({
    timezone,
    unprotectedGuestEvents: unprotectedGuestEvents.default(false),
    storageGuardPercent: storageGuardPercent.optional(),
  })
  .openapi('SettingsInput');

const SettingsPatchSchema = z
  .strictObject({
    timezone: timezone.optional(),
    unprotectedGuestEvents: unprotectedGuestEvents.optional(),
    storageGuardPercent: storageGuardPercent.nullable().optional(),
  })
  .openapi('SettingsPatch', { description: 'JSON Merge Patch of the settings' });

const SettingsSchema = z
  .object({
    plan: z.string().openapi({ description: 'The service plan (set by the operator)' }),
    timezone: z.string(),
    unprotectedGuestEvents: z.boolean(),
    storageGuardPercent: z.number().int().optional(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Settings');

const changed = {
  200: { description: 'The settings', content: json(SettingsSchema), headers: etagHeader('settings') },
  ...staleVersionError,
  ...commonErrors,
  409: { description: 'Changed by too many requests at once; try again', content: problemContent },
} as const;

export const getSettingsRoute = createRoute({
  method: 'get',
  path: '/v1/settings',
  tags,
  summary: 'The tenant\u2019s settings',
  responses: {
    200: { description: 'The settings', content: json(SettingsSchema), headers: etagHeader('settings') },
    ...commonErrors,
  },
});

export const putSettingsRoute = createRoute({
  method: 'put',
  path: '/v1/settings',
  tags,
  summary: 'Replace the tenant\u2019s settings (admin)',
  ...requires('admin', 'settings.update'),
  request: { headers: IfMatchHeader, body: { content: json(SettingsInputSchema), required: true } },
  responses: changed,
});

export const patchSettingsRoute = createRoute({
  method: 'patch',
  path: '/v1/settings',
  tags,
  summary: 'Change some of the tenant\u2019s settings (admin)',
  ...requires('admin', 'settings.update'),
  request: { headers: IfMatchHeader, body: { content: json(SettingsPatchSchema), required: true } },
  responses: changed,
});
