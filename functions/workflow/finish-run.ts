import { instrument } from '#shared/observability/instrument.ts';
import { measureFinishedRun } from '#shared/observability/step-metrics.ts';
import { finishRun } from '#shared/services/policy-run/finish-run.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('finish-run'),
  'finish-run',
  (input: Parameters<typeof finishRun>[1]) => finishRun(deps, input),
  measureFinishedRun,
);
