import { humanBytes } from '../../../client/format.ts';
import { data as answer } from '../api/client.ts';
import type { Usage } from '../api/types.ts';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Loading } from '../ui/components.tsx';
import { usedShare } from '../ui/trend-geometry.ts';
import { useLoad } from '../ui/use-load.ts';

type Quota = Usage['quotas'][keyof Usage['quotas']];

const QUOTAS: Array<[keyof Usage['quotas'], string, boolean]> = [
  ['clusters', 'Clusters', false],
  ['policies', 'Policies', false],
  ['guestsCovered', 'Guests covered', false],
  ['snapshotsPerGuest', 'Snapshots of one guest', false],
  ['backupBytes', 'Backups in all', true],
  ['backupBytesPerStorage', 'Backups on one storage', true],
];

const FEATURES: Array<[keyof Usage['features'], string]> = [
  ['backups', 'Backups'],
  ['ramSnapshots', 'RAM snapshots'],
  ['hooks', 'Hooks'],
  ['restoreTests', 'Restore tests'],
];

function QuotaRow({ label, quota, bytes }: { label: string; quota: Quota; bytes: boolean }) {
  const show = (value: number) => (bytes ? humanBytes(value) : String(value));
  const share = quota.limit === null ? 0 : usedShare(quota.used, quota.limit);
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>
        {show(quota.used)}
        {quota.where ? <small class="muted"> ({quota.where})</small> : null}
      </td>
      <td>{quota.limit === null ? 'unlimited' : show(quota.limit)}</td>
      <td>
        {quota.limit === null ? null : (
          <progress
            max={1}
            value={share}
            aria-label={`${label}: ${Math.round(share * 100)} % of the limit`}
          />
        )}
        {quota.exceeded ? <strong class="field-error"> over the limit: new work is refused</strong> : null}
      </td>
    </tr>
  );
}

/** The tenant's plan: what it includes and each quota's use against its limit. */
export function UsagePanel() {
  const { api } = useSession();
  const usage = useLoad(() => answer(api.GET('/v1/usage')), 'usage');
  const data = usage.data;
  return (
    <section class="panel" aria-labelledby="usage-heading" data-testid="usage">
      <h2 id="usage-heading">Plan and usage</h2>
      <ErrorMessage error={usage.error} />
      {!data ? (
        <Loading what="usage" />
      ) : (
        <>
          <dl class="facts">
            <dt>Plan</dt>
            <dd data-testid="plan">{data.plan}</dd>
            <dt>Includes</dt>
            <dd>
              {FEATURES.map(([key, label]) => `${label}: ${data.features[key] ? 'yes' : 'no'}`).join(' · ')}
            </dd>
            <dt>Schedules</dt>
            <dd>at most every {data.minScheduleIntervalMinutes} min</dd>
            <dt>Retention</dt>
            <dd>
              {data.maxRetention === null
                ? 'no limit'
                : `at most ${data.maxRetention} recovery points kept per guest by a policy`}
            </dd>
          </dl>
          <table>
            <caption>Quotas</caption>
            <thead>
              <tr>
                <th scope="col">Quota</th>
                <th scope="col">Used</th>
                <th scope="col">Limit</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {QUOTAS.map(([key, label, bytes]) => (
                <QuotaRow key={key} label={label} quota={data.quotas[key]} bytes={bytes} />
              ))}
            </tbody>
          </table>
          {data.backupBytesByStorage.length ? (
            <p>
              Backups per storage:{' '}
              {data.backupBytesByStorage
                .map((item) => `${item.storage} ${humanBytes(item.bytes)}`)
                .join(', ')}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
