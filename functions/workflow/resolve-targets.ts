import { instrument } from '#shared/observability/instrument.ts';
import { resolveTargets } from '#shared/services/policy-run/resolve-targets.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('resolve-targets'),
  'resolve-targets',
  (input: Parameters<typeof resolveTargets>[1]) => resolveTargets(deps, input),
);
