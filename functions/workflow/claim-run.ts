import { instrument } from '#shared/observability/instrument.ts';
import { claimRun } from '#shared/services/policy-run/claim-run.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('claim-run'),
  'claim-run',
  (input: Parameters<typeof claimRun>[1]) => claimRun(deps, input),
);
