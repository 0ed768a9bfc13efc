import { type CoverageFilter, type CoverageReport, coverageReport } from '#shared/domain/insight/coverage.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadFleet } from './fleet.ts';

/** The coverage of a tenant's guests now (no Proxmox call, no per-guest read). */
export async function tenantCoverage(
  deps: ServiceDeps,
  tenantId: string,
  filter: CoverageFilter,
): Promise<CoverageReport> {
  const { coverage } = await loadFleet(deps, tenantId);
  return coverageReport(coverage, filter);
}
