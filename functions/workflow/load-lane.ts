import { instrument } from '#shared/observability/instrument.ts';
import { loadLane } from '#shared/services/policy-run/load-lane.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Lane step (`lambda:invoke` from the lane state machine). */
export const handler = instrument(
  stepTelemetry('load-lane'),
  'load-lane',
  (input: Parameters<typeof loadLane>[1]) => loadLane(deps, input),
);
