import { data as answer } from '../api/client.ts';
import type { Policy } from '../api/types.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, Loading, StatusBadge } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

export function describeSelector(selector: Policy['selector']): string {
  if (selector.all) return 'all guests';
  const parts = [
    selector.tags?.length ? `tags ${selector.tags.join(', ')}` : '',
    selector.pools?.length ? `pools ${selector.pools.join(', ')}` : '',
    selector.nodes?.length ? `nodes ${selector.nodes.join(', ')}` : '',
    selector.guests?.length ? `${selector.guests.length} named guests` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'nothing';
}

export function PoliciesScreen() {
  const { api, can } = useSession();
  const policies = useLoad(
    () => answer(api.GET('/v1/policies', { params: { query: { limit: 100 } } })),
    'policies',
  );
  return (
    <section>
      <h1 tabIndex={-1}>Policies</h1>
      {can('admin') ? (
        <p>
          <Link href="/policies/new" class="button">
            New policy
          </Link>
        </p>
      ) : null}
      <ErrorMessage error={policies.error} />
      {!policies.data ? (
        <Loading what="policies" />
      ) : policies.data.items.length === 0 ? (
        <p>No policies yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Schedule</th>
              <th scope="col">Selects</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {policies.data.items.map((policy) => (
              <tr key={policy.id}>
                <td>
                  <Link href={`/policies/${encodeURIComponent(policy.id)}`}>{policy.name}</Link>
                </td>
                <td>
                  <code>{policy.schedule.cron}</code> {policy.schedule.timezone ?? 'UTC'}
                </td>
                <td>{describeSelector(policy.selector)}</td>
                <td>
                  <StatusBadge status={policy.enabled === false ? 'disabled' : 'enabled'} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
