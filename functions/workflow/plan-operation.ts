import { planOperation } from '#shared/services/guest-operations/plan-operation.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Guest-operation step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof planOperation>[1]) => planOperation(deps, input);
