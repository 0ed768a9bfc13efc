import { instrument } from '#shared/observability/instrument.ts';
import { checkRpo } from '#shared/services/insight/rpo-check.ts';
import type { RpoCheckUnit } from '#shared/services/insight/rpo-sweep.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** One tenant's RPO check, invoked asynchronously (a failure is retried, then dead-lettered). */
export const handler = instrument(
  stepTelemetry('rpo-check-worker'),
  'rpo-check-worker',
  async (unit: RpoCheckUnit, log) => {
    const summary = await checkRpo(deps, unit.tenantId);
    log.info('RPO check done', { ...summary });
    return summary;
  },
);
