import { instrument } from '#shared/observability/instrument.ts';
import { planOperation } from '#shared/services/guest-operations/plan-operation.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Guest-operation step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('plan-operation'),
  'plan-operation',
  (input: Parameters<typeof planOperation>[1]) => planOperation(deps, input),
);
