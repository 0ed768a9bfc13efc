import { instrument } from '#shared/observability/instrument.ts';
import { measureGuestResult } from '#shared/observability/step-metrics.ts';
import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('record-result'),
  'record-result',
  (input: Parameters<typeof recordGuestResult>[1], log) =>
    recordGuestResult({ ...deps, log: (message, fields) => log.warn(message, fields) }, input),
  measureGuestResult,
);
