import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { AuditContext } from '#shared/domain/audit.ts';
import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import type { Exclusion } from '#shared/domain/exclusion.ts';
import { type ComplianceReport, complianceReport } from '#shared/domain/insight/compliance.ts';
import type { Operation } from '#shared/domain/operation.ts';
import { selectTargets } from '#shared/domain/select-targets.ts';
import type { SnapshotRecord } from '#shared/domain/snapshot-record.ts';
import { mapWithLimit, READS_IN_FLIGHT } from '../map-with-limit.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { allGuests, allPolicies, runsInPeriod } from './insight-records.ts';
import type { ReportPeriod } from './report-period.ts';

/**
 * Reads what the compliance report of a period is made of: the tenant's policies and guests,
 * the runs of the period, each guest's snapshot and backup records, and its restores. A policy
 * covers the guests it selects now and every guest holding one of its recovery points.
 */
export async function complianceReportFor(
  deps: ServiceDeps,
  context: AuditContext,
  period: ReportPeriod,
): Promise<ComplianceReport> {
  const tenantId = context.principal.tenantId;
  const nowMs = deps.now();
  const [policies, guests, runs, exclusions, operations] = await Promise.all([
    allPolicies(deps, tenantId),
    allGuests(deps, tenantId),
    runsInPeriod(deps, tenantId, period.fromMs, period.toMs),
    readAllPages<Exclusion>((cursor) =>
      deps.store.exclusions.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
    readAllPages<Operation>((cursor) =>
      deps.store.operations.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
    ),
  ]);
  const snapshots = new Map<string, SnapshotRecord[]>();
  const backups = new Map<string, BackupRecord[]>();
  await mapWithLimit(guests, READS_IN_FLIGHT, async (guest) => {
    snapshots.set(guest.id, await deps.store.snapshots.list(tenantId, guest.id));
    backups.set(guest.id, await deps.store.backups.listForGuest(tenantId, guest.id));
  });
  const policyGuests = new Map<string, string[]>();
  for (const policy of policies) {
    const covered = new Set(
      selectTargets(policy, guests, exclusions, nowMs).targets.map((guest) => guest.id),
    );
    for (const guest of guests) {
      const holds = (records: ReadonlyArray<{ policyId?: string }>) =>
        records.some((record) => record.policyId === policy.id);
      if (holds(snapshots.get(guest.id) ?? []) || holds(backups.get(guest.id) ?? [])) covered.add(guest.id);
    }
    policyGuests.set(
      policy.id,
      guests.filter((guest) => covered.has(guest.id)).map((guest) => guest.id),
    );
  }
  return complianceReport({
    ...period,
    nowMs,
    policies: [...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    runs,
    guests: new Map(guests.map((guest) => [guest.id, guest])),
    policyGuests,
    snapshots,
    backups,
    operations,
    restoreTestRuns: await deps.store.restoreTestRuns.all(tenantId),
  });
}
