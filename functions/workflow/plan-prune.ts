import { instrument } from '#shared/observability/instrument.ts';
import { planPrune } from '#shared/services/retention/plan-prune.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the lane state machine). */
export const handler = instrument(
  stepTelemetry('plan-prune'),
  'plan-prune',
  (input: Parameters<typeof planPrune>[1]) => planPrune(deps, input),
);
