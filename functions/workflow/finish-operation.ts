import { instrument } from '#shared/observability/instrument.ts';
import { finishOperation } from '#shared/services/guest-operations/finish-operation.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Guest-operation step (`lambda:invoke` from the state machine). */
export const handler = instrument(
  stepTelemetry('finish-operation'),
  'finish-operation',
  (input: Parameters<typeof finishOperation>[1]) => finishOperation(deps, input),
);
