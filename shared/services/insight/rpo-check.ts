import { type RpoEpisode, rpoEpisodeId } from '#shared/adapters/dynamo/entities/rpo-episode.ts';
import { RECOVERY_KINDS } from '#shared/domain/insight/policy-kind.ts';
import { domainEvent } from '#shared/domain/notifications/events.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { rpoReport } from './rpo-report.ts';

export interface RpoCheckSummary {
  readonly tenantId: string;
  readonly guests: number;
  readonly breached: number;
  /** Episodes opened (rpo.breached published) and closed (rpo.recovered published) by this check. */
  readonly opened: number;
  readonly closed: number;
  /** Policies that take no guest. */
  readonly emptyPolicies: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The scheduled RPO check of one tenant (the dead-man's switch): whatever the runs report, or
 * when nothing runs at all (a schedule that stopped firing or was deleted, a disabled policy),
 * a guest whose newest good recovery point is too old is breached. Each episode publishes
 * `rpo.breached` once and `rpo.recovered` once: the events' ids come from the episode's start,
 * which the data fixes, and the open episodes are kept in the table, so a check that runs
 * again, or twice at once, publishes nothing new.
 */
export async function checkRpo(deps: ServiceDeps, tenantId: string): Promise<RpoCheckSummary> {
  const report = await rpoReport(deps, tenantId);
  const open = new Map(
    (await deps.store.insight.openEpisodes(tenantId)).map((episode) => [episode.id, episode]),
  );
  const nowMs = deps.now();
  let opened = 0;
  let closed = 0;
  let breached = 0;
  const stillBreached = new Set<string>();
  for (const row of report.guests) {
    const { guest } = row.coverage;
    for (const kind of RECOVERY_KINDS) {
      const status = row.kinds[kind];
      if (!status?.breached || status.breachedSinceMs === undefined) continue;
      breached++;
      const id = rpoEpisodeId(guest.id, kind);
      stillBreached.add(id);
      if (open.has(id)) continue;
      const breachedAt = new Date(status.breachedSinceMs).toISOString();
      const episode: RpoEpisode = {
        tenantId,
        id,
        guestId: guest.id,
        kind,
        breachedAt,
        state: status.state,
        notifiedAt: new Date(nowMs).toISOString(),
      };
      // Published first: if the write then fails, the next check publishes the same event id again
      // (delivered once per subscription), rather than an episode recorded but never announced.
      await deps.events.publish([
        domainEvent({
          tenantId,
          type: 'rpo.breached',
          subject: `${id}/${breachedAt}`,
          time: nowMs,
          ...(status.policyIds.length === 1 && status.policyIds[0] ? { policyId: status.policyIds[0] } : {}),
          data: {
            guestId: guest.id,
            guestName: guest.name,
            clusterId: guest.clusterId,
            node: guest.node,
            kind,
            state: status.state,
            breachedAt,
            ...(status.newestMs !== undefined ? { newestAt: iso(status.newestMs) } : {}),
            expectedMinutes: Math.round(status.intervalMs / 60_000),
            policyIds: status.policyIds,
          },
        }),
      ]);
      if (await deps.store.insight.openEpisode(episode)) opened++;
    }
  }
  const rows = new Map(report.guests.map((row) => [row.coverage.guest.id, row]));
  for (const episode of open.values()) {
    if (stillBreached.has(episode.id)) continue;
    const newest = rows.get(episode.guestId)?.newest[episode.kind];
    await deps.events.publish([
      domainEvent({
        tenantId,
        type: 'rpo.recovered',
        subject: `${episode.id}/${episode.breachedAt}`,
        time: nowMs,
        data: {
          guestId: episode.guestId,
          kind: episode.kind,
          breachedAt: episode.breachedAt,
          ...(newest !== undefined ? { newestAt: iso(newest) } : {}),
          // No longer taken by any policy (excluded, deselected, gone): the episode ends too.
          covered: rows.get(episode.guestId)?.kinds[episode.kind] !== undefined,
        },
      }),
    ]);
    await deps.store.insight.closeEpisode(episode);
    closed++;
  }
  return {
    tenantId,
    guests: report.guests.length,
    breached,
    opened,
    closed,
    emptyPolicies: report.policies.filter((policy) => policy.selectsNothing).length,
  };
}
