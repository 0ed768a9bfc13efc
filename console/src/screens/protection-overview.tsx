import { data as answer } from '../api/client.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import type { BarPart } from '../ui/bar-geometry.ts';
import { RunColumns, StackedBar } from '../ui/charts.tsx';
import { ErrorMessage, Loading } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

const COVERAGE_STATES = ['covered', 'overlapping', 'only-disabled', 'excluded', 'not-covered'] as const;
const RPO_STATES = ['ok', 'late', 'missed', 'never'] as const;
type RpoState = (typeof RPO_STATES)[number];
const KINDS = ['snapshot', 'backup'] as const;
const DAY_MS = 86_400_000;

/** Coverage, recovery points and the last two weeks of runs at a glance, from the reports the API keeps. */
export function ProtectionOverview() {
  const { api } = useSession();
  const overview = useLoad(async () => {
    const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
    const [coverage, rpo, stats] = await Promise.all([
      answer(api.GET('/v1/reports/coverage', { params: { query: { limit: 1 } } })),
      answer(api.GET('/v1/reports/rpo', { params: { query: { limit: 200 } } })),
      answer(
        api.GET('/v1/stats', {
          params: {
            query: { from: new Date(to.getTime() - 14 * DAY_MS).toISOString(), to: to.toISOString() },
          },
        }),
      ),
    ]);
    // The route answers CSV too; asked without Accept it is JSON.
    const totals = typeof coverage === 'string' ? undefined : coverage.totals;
    const rpoParts = KINDS.map((kind) => {
      const counts = new Map<RpoState, number>(RPO_STATES.map((state) => [state, 0]));
      for (const guest of rpo.items) {
        const state = guest[kind]?.state;
        if (state) counts.set(state, (counts.get(state) ?? 0) + 1);
      }
      return { kind, parts: RPO_STATES.map((state) => ({ key: state, value: counts.get(state) ?? 0 })) };
    }).filter(({ parts }) => parts.some((part) => part.value > 0));
    const breached = rpo.items.filter((guest) => guest.snapshot?.breached || guest.backup?.breached);
    return { totals, rpoParts, breached, more: Boolean(rpo.nextCursor), stats };
  }, 'protection');
  const data = overview.data;
  if (overview.error) return <ErrorMessage error={overview.error} />;
  if (!data) return <Loading what="coverage and recovery points" />;
  const coverageParts: BarPart[] = data.totals
    ? COVERAGE_STATES.map((state) => ({ key: state, value: data.totals?.[state] ?? 0 }))
    : [];
  return (
    <section aria-labelledby="protection-heading">
      <h2 id="protection-heading">Protection</h2>
      <div class="charts">
        {data.totals ? (
          <StackedBar
            label={`Coverage of ${data.totals.guests} guests`}
            parts={coverageParts}
            describe={(state) =>
              state === 'only-disabled' ? 'only by disabled policies' : state.replace('-', ' ')
            }
          />
        ) : null}
        {data.rpoParts.length === 0 ? (
          <p>
            No policy takes a guest yet: <Link href="/policies">create one</Link> to set recovery points.
          </p>
        ) : (
          data.rpoParts.map(({ kind, parts }) => (
            <StackedBar
              key={kind}
              label={`Recovery points (${kind}s) against their objective`}
              parts={parts}
            />
          ))
        )}
        <RunColumns
          label="Runs, last 14 days"
          days={data.stats.runs.map((bucket) => ({
            start: bucket.start,
            succeeded: bucket.succeeded,
            failed: bucket.failed + bucket.partially_failed,
          }))}
        />
      </div>
      {data.breached.length > 0 ? (
        <>
          <h3>Recovery points overdue</h3>
          <ul>
            {data.breached.slice(0, 10).map((guest) => (
              <li key={guest.guestId}>
                <Link href={`/guests/${encodeURIComponent(guest.guestId)}`}>
                  {guest.name} ({guest.vmid})
                </Link>
                :{' '}
                {KINDS.filter((kind) => guest[kind]?.breached)
                  .map((kind) => {
                    const age = guest[kind]?.ageMinutes;
                    return `${kind} ${guest[kind]?.state}${age === undefined ? '' : `, newest ${age} min old`} (expected every ${guest[kind]?.expectedMinutes} min)`;
                  })
                  .join('; ')}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
