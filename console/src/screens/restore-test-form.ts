/** The new-restore-test form as the user filled it: the request for the API. */
import type { Schemas } from '../../../client/api-client.ts';
import type { Policy, RestoreTestItem } from '../api/types.ts';

export interface RestoreTestForm {
  name: string;
  cron: string;
  timezone: string;
  source: 'snapshot' | 'backup';
  /** Where the guests come from: a policy's selector, or guests named one by one. */
  from: 'policy' | 'guests';
  policyId: string;
  /** Comma- or space-separated, `lab/101` or ids. */
  guests: string;
  sample: string;
  bootTimeout: string;
}

export const EMPTY_RESTORE_TEST_FORM: RestoreTestForm = {
  name: '',
  cron: '0 4 * * 0',
  timezone: 'UTC',
  source: 'snapshot',
  from: 'guests',
  policyId: '',
  guests: '',
  sample: '',
  bootTimeout: '300',
};

const EMPTY_SELECTOR = { guests: [] };

/**
 * The body of `POST /v1/restore-tests`. A policy's selector is copied as it is (the test then
 * proves what the policy protects); an unknown policy or an empty field is left for the API to
 * refuse on the field it names.
 */
export function restoreTestBody(
  form: RestoreTestForm,
  policies: readonly Policy[],
): Schemas['RestoreTestSpec'] {
  const policy = policies.find((item) => item.id === form.policyId);
  const selector =
    form.from === 'policy'
      ? (policy?.selector ?? EMPTY_SELECTOR)
      : { guests: form.guests.split(/[\s,]+/).filter(Boolean) };
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const sample = number(form.sample);
  const bootTimeoutSeconds = number(form.bootTimeout);
  return {
    name: form.name.trim(),
    schedule: { cron: form.cron.trim(), timezone: form.timezone.trim() },
    source: form.source,
    selector,
    ...(sample !== undefined ? { sample } : {}),
    ...(bootTimeoutSeconds !== undefined ? { bootTimeoutSeconds } : {}),
  };
}

/** The recovery point an item tested, in words. */
export function pointText(item: RestoreTestItem): string {
  if (!item.point) return '–';
  return item.point.kind === 'snapshot' ? `snapshot ${item.point.name}` : `backup ${item.point.volid}`;
}

/** The network devices the test guest had with their link down, e.g. `net0`. */
export function linksDown(item: RestoreTestItem): string[] {
  return Object.keys(item.isolation ?? {}).sort();
}
