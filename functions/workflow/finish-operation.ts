import { finishOperation } from '#shared/services/guest-operations/finish-operation.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Guest-operation step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof finishOperation>[1]) => finishOperation(deps, input);
