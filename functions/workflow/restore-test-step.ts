import { instrument } from '#shared/observability/instrument.ts';
import { restoreTestStep } from '#shared/services/restore-tests/run-step.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** The restore-test workflow's step (`lambda:invoke` from the state machine, again after each Wait). */
export const handler = instrument(
  stepTelemetry('restore-test-step'),
  'restore-test-step',
  (input: Parameters<typeof restoreTestStep>[1]) => restoreTestStep(deps, input),
);
