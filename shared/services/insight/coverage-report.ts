import {
  type CoverageFilter,
  type CoverageReport,
  coverageReport,
  type GuestCoverage,
} from '#shared/domain/insight/coverage.ts';
import { type OffsiteCoverage, offsiteCoverage } from '#shared/domain/insight/offsite.ts';
import { policyIntervalMs } from '#shared/domain/insight/rpo.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadFleet, loadRecoveryPoints, offsitePolicyIds } from './fleet.ts';

/**
 * The coverage of a tenant's guests now (no Proxmox call). Only a guest an enabled off-site copy
 * policy takes costs a read: its recovery points, to say whether its second copy is young enough.
 */
export async function tenantCoverage(
  deps: ServiceDeps,
  tenantId: string,
  filter: CoverageFilter,
): Promise<CoverageReport & { guests: Array<GuestCoverage & { offsite?: OffsiteCoverage }> }> {
  const nowMs = deps.now();
  const { policies, coverage } = await loadFleet(deps, tenantId);
  const report = coverageReport(coverage, filter);
  const offsite = offsitePolicyIds(policies);
  const copying = (entry: GuestCoverage) =>
    entry.policies.filter((policy) => policy.enabled && offsite.has(policy.id)).map((policy) => policy.id);
  const copied = report.guests.filter((entry) => copying(entry).length > 0);
  if (copied.length === 0) return report;
  const intervals = new Map(policies.map((policy) => [policy.id, policyIntervalMs(policy, nowMs)]));
  const points = await loadRecoveryPoints(
    deps,
    tenantId,
    copied.map((entry) => entry.guest.id),
    offsite,
  );
  return {
    ...report,
    guests: report.guests.map((entry) => {
      const policyIds = copying(entry);
      if (policyIds.length === 0) return entry;
      const intervalMs = Math.min(...policyIds.map((id) => intervals.get(id) ?? 0));
      const status = offsiteCoverage({
        points: points.get(entry.guest.id) ?? [],
        intervalMs,
        policyIds,
        nowMs,
      });
      return { ...entry, offsite: status };
    }),
  };
}
