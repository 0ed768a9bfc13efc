import { instrument } from '#shared/observability/instrument.ts';
import { recordPrune } from '#shared/services/retention/record-prune.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the lane state machine). */
export const handler = instrument(
  stepTelemetry('record-prune'),
  'record-prune',
  (input: Parameters<typeof recordPrune>[1]) => recordPrune(deps, input),
);
